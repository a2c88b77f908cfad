/**
 * A Tenant as sales ops read it: ready or not, and if not, which step is pending and why (the
 * Ready condition's reason and message, the words the operator uses everywhere), and whether a
 * suspension is in force and since when (the Suspended condition), and its tiers (tiers.ts).
 */
import { ConditionType, tenantStepConditionTypes, type Tenant } from '../api/index.js';
import { TenantSuspensionSchema, type TenantSummary } from './schemas.js';
import { createdByAnnotation } from './idempotency.js';
import { tenantTiers } from './tiers.js';

type Condition = NonNullable<NonNullable<Tenant['status']>['conditions']>[number];

function findCondition(tenant: Tenant, type: string): Condition | undefined {
  return tenant.status?.conditions?.find((condition) => condition.type === type);
}

/** Ready counts only when the operator has seen the current spec (a plan change makes it stale). */
function isCurrent(tenant: Tenant, condition: Condition | undefined): boolean {
  const generation = tenant.metadata.generation;
  return condition !== undefined && (generation === undefined || condition.observedGeneration === generation);
}

function pendingStep(tenant: Tenant): string | null {
  const step = tenantStepConditionTypes.find(
    (type) => findCondition(tenant, type)?.status !== 'True' && findCondition(tenant, type) !== undefined,
  );
  return step ?? null;
}

function stateOf(tenant: Tenant, ready: boolean, condition: Condition | undefined): TenantSummary['state'] {
  if (tenant.metadata.deletionTimestamp) return 'Deleting';
  if (tenant.spec.suspended) return 'Suspended';
  if (ready) return 'Ready';
  // A promotion moving step by step is progress, not a failure (its failures have reasons of their own).
  const progressing = ['Progressing', 'DependenciesNotReady', 'Promoting'];
  return condition?.status === 'False' && !progressing.includes(condition.reason) ? 'Failing' : 'Provisioning';
}

/** The Suspended condition as sales ops read it; null for a tenant never suspended. */
function suspension(tenant: Tenant): TenantSummary['suspension'] {
  const condition = findCondition(tenant, ConditionType.Suspended);
  const parsed = TenantSuspensionSchema.shape.reason.safeParse(condition?.reason);
  if (condition === undefined || !parsed.success) return null;
  return { suspended: condition.status === 'True', reason: parsed.data, since: condition.lastTransitionTime, message: condition.message };
}

function provenance(tenant: Tenant): Pick<TenantSummary, 'createdAt' | 'createdBy'> {
  return {
    createdAt: tenant.metadata.creationTimestamp ?? null,
    createdBy: tenant.metadata.annotations?.[createdByAnnotation] ?? null,
  };
}

export function tenantSummary(tenant: Tenant, basePath: string): TenantSummary {
  const condition = findCondition(tenant, ConditionType.Ready);
  const current = isCurrent(tenant, condition);
  const ready = current && condition?.status === 'True';
  return {
    name: tenant.metadata.name,
    displayName: tenant.spec.displayName,
    plan: tenant.spec.plan,
    region: tenant.spec.region,
    suspended: tenant.spec.suspended,
    deletionPolicy: tenant.spec.database.deletionPolicy,
    ready,
    state: stateOf(tenant, ready, condition),
    pendingStep: ready ? null : pendingStep(tenant),
    reason: current && condition ? condition.reason : 'Pending',
    message: current && condition ? condition.message : 'The operator has not yet reported on the current specification.',
    suspension: suspension(tenant),
    tiers: tenantTiers(tenant),
    ...provenance(tenant),
    links: { self: `${basePath}/${tenant.metadata.name}` },
  };
}
