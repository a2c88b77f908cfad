/**
 * spec.rollback: every tenant this Rollout moved goes back to the version it was asked to run
 * before (recorded on the Tenant the first time the rollout moved it), all at once: the old
 * version ran on these tenants already, and a broken version is worse than a big wave. Tenants
 * pinned since, and tenants another Rollout moved since, are left alone.
 */
import { RolloutReason, appVersionAnnotation, previousAppVersionAnnotation, rolloutAnnotation, type Rollout } from '../../api/rollout.js';
import { isHealthyOn, isPinned, type Fleet, type FleetTenant } from './fleet.js';
import type { RolloutPlan, TenantVersionPatch } from './plan-types.js';
import { rolloutStatus } from './summary.js';

export interface RollbackInput {
  rollout: Rollout;
  tenants: readonly FleetTenant[];
  fleet: Fleet;
  now: Date;
}

export function planRollback(input: RollbackInput): RolloutPlan {
  const { rollout } = input;
  const moved = input.tenants.filter((entry) => wasMovedBy(rollout, entry));
  const patches = moved.flatMap((entry) => rollbackPatch(entry));
  const back = moved.filter((entry) => isHealthyOn(entry.tenant, versionBefore(entry) ?? '')).length;
  const verdict = {
    phase: 'RolledBack' as const,
    reason: RolloutReason.RollbackRequested,
    message: `Rolled back ${moved.length} tenants to the version they ran before this rollout; ${back} run it healthily`,
  };
  const status = rolloutStatus({ ...input, verdict, upgrading: [], failed: [], resumeToken: rollout.status?.resumeToken });
  return { patches, status };
}

/** Still marked as moved by this rollout, and neither pinned nor going away. */
function wasMovedBy(rollout: Rollout, { tenant }: FleetTenant): boolean {
  if (tenant.metadata.deletionTimestamp || isPinned(tenant)) return false;
  return tenant.metadata.annotations?.[rolloutAnnotation] === rollout.metadata.name;
}

/**
 * The version recorded before the rollout; none recorded means the tenant followed its plan, so
 * the annotation goes and the plan's version applies again.
 */
function versionBefore(entry: FleetTenant): string | undefined {
  return entry.tenant.metadata.annotations?.[previousAppVersionAnnotation] ?? entry.plan?.version;
}

function rollbackPatch(entry: FleetTenant): TenantVersionPatch[] {
  const annotations = entry.tenant.metadata.annotations ?? {};
  const previous = annotations[previousAppVersionAnnotation];
  if (annotations[appVersionAnnotation] === previous) return [];
  const { name, resourceVersion } = entry.tenant.metadata;
  return [{ tenant: name, resourceVersion, version: previous ?? null }];
}
