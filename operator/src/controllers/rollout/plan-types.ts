/**
 * What the rollout planner takes and gives: the Rollout, every Rollout (only one may act), the
 * tenants with their plan's ring and version, and the clock in; the Tenant writes to make and the
 * status to report out. The reconciler does the I/O on both sides.
 */
import type { Rollout, RolloutStatus } from '../../api/rollout.js';
import type { FleetTenant } from './fleet.js';

export interface RolloutPlanInput {
  rollout: Rollout;
  /** Every Rollout in the cluster, this one included. */
  rollouts: readonly Rollout[];
  tenants: readonly FleetTenant[];
  now: Date;
}

/** One Tenant to move: a merge patch of its annotations, guarded by the resourceVersion planned on. */
export interface TenantVersionPatch {
  tenant: string;
  resourceVersion?: string;
  /** The version to ask for; null removes the request, so that the tenant follows its plan again. */
  version: string | null;
  /** On a move forward: the Rollout to record as the one that moved the tenant. */
  movedBy?: string;
  /** Recorded the first time that Rollout moves the tenant, for a rollback. */
  previousVersion?: string;
}

export interface RolloutPlan {
  patches: TenantVersionPatch[];
  status: RolloutStatus;
  /** Look again after this long, to notice a health deadline passing; unset when nothing waits on time. */
  requeueAfterMs?: number;
}
