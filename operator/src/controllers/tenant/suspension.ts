/**
 * The Suspended condition: whether spec.suspended is in force, and since when. Each step that holds
 * one lever of a suspension (ingress, owners' access, database login, key, app replicas) reports
 * the reason Suspended once its lever is in force; this condition sums them up. It is True from the
 * first reconcile that acts on a suspension (reason Suspending until every lever holds, then
 * Suspended), so its lastTransitionTime says since when the tenant is suspended, and a provider's
 * hiccup during a long suspension does not move it. On resume it turns False (Resuming until every
 * step runs as before, then Resumed). A tenant never suspended has none. It is no step's own, so it
 * never gates Ready: a suspended tenant is Ready when it is suspended as asked.
 */
import { ConditionType, findCondition, Reason, setCondition, type ConditionUpdate } from '../../api/conditions.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { StepOutcome } from './context.js';

/** The steps that each hold one lever of a suspension, in reconcile order. */
export const suspensionSteps: readonly ConditionType[] = [
  ConditionType.NetworkIsolated,
  ConditionType.RbacReady,
  ConditionType.DatabaseReady,
  ConditionType.EncryptionKeyReady,
  ConditionType.AppDeployed,
];

const inForce = 'ingress from outside the namespace closed, owners read-only, database login refused, key disabled, app scaled to zero';

/** The Suspended condition these outcomes call for; undefined for a tenant never suspended. */
export function suspendedCondition(tenant: Tenant, outcomes: readonly StepOutcome[]): ConditionUpdate | undefined {
  const generation = tenant.metadata.generation ?? 0;
  const outcome = (type: ConditionType): StepOutcome | undefined => outcomes.find((o) => o.type === type);
  const describe = (types: ConditionType[]): string => types.map((type) => `${type} (${outcome(type)?.reason ?? 'not run'})`).join(', ');
  const base = { type: ConditionType.Suspended, observedGeneration: generation };
  if (tenant.spec.suspended) {
    const open = suspensionSteps.filter((type) => outcome(type)?.reason !== Reason.Suspended);
    if (open.length === 0) return { ...base, status: 'True', reason: Reason.Suspended, message: inForce };
    return { ...base, status: 'True', reason: Reason.Suspending, message: `not in force yet: ${describe(open)}` };
  }
  if (findCondition(tenant.status?.conditions, ConditionType.Suspended) === undefined) return undefined;
  const undone = suspensionSteps.filter((type) => outcome(type)?.status !== 'True' || outcome(type)?.reason === Reason.Suspended);
  if (undone.length === 0) return { ...base, status: 'False', reason: Reason.Resumed, message: 'every step runs as before the suspension' };
  return { ...base, status: 'False', reason: Reason.Resuming, message: `not back yet: ${describe(undone)}` };
}

/** `status` with the Suspended condition these outcomes call for, if any. */
export function withSuspendedCondition(tenant: Tenant, outcomes: readonly StepOutcome[], status: TenantStatus, now: Date): TenantStatus {
  const condition = suspendedCondition(tenant, outcomes);
  if (condition === undefined) return status;
  return { ...status, conditions: setCondition(status.conditions ?? [], condition, now) };
}
