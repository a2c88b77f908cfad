/**
 * Status conditions for Tenant and TenantPlan: the condition types and CamelCase reasons the
 * operator reports, the metav1.Condition shape, and the pure rules for updating a condition list
 * and summarizing it as Ready.
 */
import { z } from 'zod';

/** Condition types. Ready summarizes the others; each other type is one step of the reconcile. */
export const ConditionType = {
  Ready: 'Ready',
  NamespaceReady: 'NamespaceReady',
  NetworkIsolated: 'NetworkIsolated',
  RbacReady: 'RbacReady',
  QuotaReady: 'QuotaReady',
  DatabaseReady: 'DatabaseReady',
  EncryptionKeyReady: 'EncryptionKeyReady',
  AppDeployed: 'AppDeployed',
  IsolationVerified: 'IsolationVerified',
  /**
   * Whether spec.suspended is in force: True from the reconcile that first acts on it (its
   * lastTransitionTime says since when), False from the one that acts on the resume. Written by
   * the reconcile but no step of it, so it never gates Ready; absent on a tenant never suspended.
   */
  Suspended: 'Suspended',
} as const;
export type ConditionType = (typeof ConditionType)[keyof typeof ConditionType];

/** The conditions that must all be True for a tenant to be Ready, in reconcile order. */
export const tenantStepConditionTypes: readonly ConditionType[] = [
  ConditionType.NamespaceReady,
  ConditionType.NetworkIsolated,
  ConditionType.RbacReady,
  ConditionType.QuotaReady,
  ConditionType.DatabaseReady,
  ConditionType.EncryptionKeyReady,
  ConditionType.AppDeployed,
];

/**
 * Conditions written by the periodic isolation audit, not by the tenant's reconcile (see
 * docs/decisions/0005). They do not gate Ready: Ready says the tenant is provisioned as declared;
 * IsolationVerified says an independent check found it isolated, some time later.
 */
export const auditConditionTypes: readonly ConditionType[] = [ConditionType.IsolationVerified];

/**
 * Reasons, one CamelCase word each, so that programs can match on them. The same words appear in
 * conditions, Events, HTTP problem responses and log fields.
 */
export const Reason = {
  Reconciled: 'Reconciled',
  Progressing: 'Progressing',
  PlanNotFound: 'PlanNotFound',
  InvalidSpec: 'InvalidSpec',
  /** On a step: its part of a suspension is in force (ingress closed, owners read-only, no login, key disabled, app at zero). */
  Suspended: 'Suspended',
  /** On Suspended (True): some step has not put its part of the suspension in force yet; the message names them. */
  Suspending: 'Suspending',
  /** On Suspended (False): some step has not undone its part of the suspension yet; the message names them. */
  Resuming: 'Resuming',
  /** On Suspended (False): every step runs as before the suspension again. */
  Resumed: 'Resumed',
  Deleting: 'Deleting',
  DependenciesNotReady: 'DependenciesNotReady',
  /** kube-apiserver refused or failed a read or write a step made; the message is the server's. */
  ApplyFailed: 'ApplyFailed',
  DatabaseUnavailable: 'DatabaseUnavailable',
  /** The database provider failed otherwise (its credentials Secret, a statement it could not run). */
  DatabaseProviderFailed: 'DatabaseProviderFailed',
  KeyProviderUnavailable: 'KeyProviderUnavailable',
  /** The KMS provider failed otherwise (its credentials Secret, a key it could not set up). */
  KeyProviderFailed: 'KeyProviderFailed',
  /** The chart could not be fetched or rendered for a reason of neither the chart nor the values (helm missing, the repository unreadable). */
  ReleaseFailed: 'ReleaseFailed',
  /** A platform server's name (a region's database server or KMS endpoint) does not resolve, so no NetworkPolicy can allow it. */
  PlatformAddressUnresolved: 'PlatformAddressUnresolved',
  /** KMS throttled the region, or the operator's own budget for it has no turn soon: retried after the pacer's delay. */
  KeyProviderThrottled: 'KeyProviderThrottled',
  RenderFailed: 'RenderFailed',
  RenderRefused: 'RenderRefused',
  RegionNotConfigured: 'RegionNotConfigured',
  DatabaseOwnedByAnotherTenant: 'DatabaseOwnedByAnotherTenant',
  /** The plan would demote a tenant with a database of its own into the pool, or leave the pool mid-promotion (decisions 0043, 0048). */
  TierChangeNotSupported: 'TierChangeNotSupported',
  /** A pooled tenant is being promoted to a database of its own; the message names the step (decision 0048). */
  Promoting: 'Promoting',
  /** A promotion's copy did not match the pool (row counts or checksums); nothing was cut over, the copy is made again. */
  PromotionVerificationFailed: 'PromotionVerificationFailed',
  /** The tenant's deletion policy is not built for its tier (Snapshot of a pooled tenant, decision 0043). */
  DeletionPolicyNotSupported: 'DeletionPolicyNotSupported',
  EncryptionKeyPendingDeletion: 'EncryptionKeyPendingDeletion',
  /** On DatabaseReady of a deleted Tenant with deletionPolicy Export: the final export could not be written; nothing is dropped or shredded until it is. */
  ExportFailed: 'ExportFailed',
  KeyRequestRefused: 'KeyRequestRefused',
  ChartNotFound: 'ChartNotFound',
  ValuesNotAllowed: 'ValuesNotAllowed',
  IsolationViolated: 'IsolationViolated',
  StaleStatus: 'StaleStatus',
  Unknown: 'Unknown',
  NamespaceConflict: 'NamespaceConflict',
  EgressNotAllowed: 'EgressNotAllowed',
  AdmissionRefused: 'AdmissionRefused',
} as const;
export type Reason = (typeof Reason)[keyof typeof Reason];

export const conditionStatuses = ['True', 'False', 'Unknown'] as const;
export type ConditionStatus = (typeof conditionStatuses)[number];

/** The metav1.Condition shape, with the same limits the CRDs declare. */
export const ConditionSchema = z.object({
  type: z
    .string()
    .max(316)
    .regex(/^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$/),
  status: z.enum(conditionStatuses),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/),
  message: z.string().max(32768),
  observedGeneration: z.int().min(0).optional(),
  lastTransitionTime: z.iso.datetime({ offset: true }),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** A condition as a step reports it; setCondition fills in lastTransitionTime. */
export type ConditionUpdate = Omit<Condition, 'lastTransitionTime'>;

/**
 * Returns a new list with `next` in place of the condition of the same type (or appended).
 * lastTransitionTime moves to `now` only when the status flips, so that it says when the state
 * changed and not when the operator last looked; an unchanged condition keeps its object, so a
 * caller can tell "nothing to write" by identity.
 */
export function setCondition(conditions: readonly Condition[], next: ConditionUpdate, now: Date): Condition[] {
  const index = conditions.findIndex((condition) => condition.type === next.type);
  const previous = index === -1 ? undefined : conditions[index];
  const lastTransitionTime = previous !== undefined && previous.status === next.status ? previous.lastTransitionTime : formatTime(now);
  const updated: Condition = { ...next, lastTransitionTime };
  if (previous === undefined) {
    return [...conditions, updated];
  }
  const result = [...conditions];
  result[index] = sameCondition(previous, updated) ? previous : updated;
  return result;
}

/** Finds the condition of a type, if present. */
export function findCondition(conditions: readonly Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((condition) => condition.type === type);
}

/**
 * The Ready condition that summarizes the `required` step conditions (by default all of them) for
 * `generation`: True only when every one is True and was computed from this generation. Otherwise
 * it carries the reason and message of the first step (in reconcile order) that is False, missing
 * or stale, so `kubectl get tenants` shows the one thing to look at.
 */
export function summarizeReady(
  conditions: readonly Condition[],
  generation: number,
  required: readonly ConditionType[] = tenantStepConditionTypes,
): ConditionUpdate {
  for (const type of required) {
    const blocking = blockingReason(findCondition(conditions, type), type, generation);
    if (blocking !== undefined) {
      return { type: ConditionType.Ready, ...blocking, observedGeneration: generation };
    }
  }
  return {
    type: ConditionType.Ready,
    status: 'True',
    reason: Reason.Reconciled,
    message: 'All steps are ready',
    observedGeneration: generation,
  };
}

type ReadySummary = Pick<Condition, 'status' | 'reason' | 'message'>;

/** Why one step keeps the tenant from being Ready, or undefined when the step is done. */
function blockingReason(condition: Condition | undefined, type: ConditionType, generation: number): ReadySummary | undefined {
  if (condition === undefined) {
    return { status: 'Unknown', reason: Reason.Progressing, message: `${type} has not been reported yet` };
  }
  const observed = condition.observedGeneration;
  if (observed !== undefined && observed < generation) {
    return {
      status: 'Unknown',
      reason: Reason.Progressing,
      message: `${type} describes generation ${observed}, not ${generation}`,
    };
  }
  if (condition.status !== 'True') {
    return { status: condition.status, reason: condition.reason, message: `${type}: ${condition.message}` };
  }
  return undefined;
}

/** metav1.Time serializes to the second, in UTC (RFC 3339 without fractions). */
function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function sameCondition(left: Condition, right: Condition): boolean {
  return (
    left.status === right.status &&
    left.reason === right.reason &&
    left.message === right.message &&
    left.observedGeneration === right.observedGeneration &&
    left.lastTransitionTime === right.lastTransitionTime
  );
}
