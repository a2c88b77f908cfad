/**
 * planRollout, the whole decision of one rollout reconcile as a pure function: which tenants to
 * move to the target version now, and the status to report. Tenants move in waves: the lowest
 * ring with a tenant not yet updated is the current one (canaries are ring -1), and no tenant of
 * a later ring starts before every tenant of the earlier rings runs the target healthily. At most
 * spec.maxConcurrent tenants are in flight; one that is not healthy within
 * spec.healthDeadlineSeconds pauses the rollout until it is resumed.
 */
import { rolloutAnnotation, type Rollout, type UpgradingTenant } from '../../api/rollout.js';
import { requestedVersion, selectFleet, type FleetMember } from './fleet.js';
import type { RolloutPlan, RolloutPlanInput, TenantVersionPatch } from './plan-types.js';
import { assessProgress, carriedRecords, currentRing, formatTime, type Progress } from './progress.js';
import { planRollback } from './rollback.js';
import { rolloutStatus } from './summary.js';
import { progressVerdict } from './verdict.js';

/** How often a rollout with tenants in flight looks again, even when no Tenant changes. */
export const pollIntervalMs = 5_000;

export function planRollout(input: RolloutPlanInput): RolloutPlan {
  const fleet = selectFleet(input.rollout, input.tenants);
  if (input.rollout.spec.rollback) return planRollback({ ...input, fleet });
  const { rollout, now } = input;
  const { version, healthDeadlineSeconds, maxConcurrent } = rollout.spec;
  const records = carriedRecords(rollout);
  const progress = assessProgress(fleet.members, records, { version, deadlineSeconds: healthDeadlineSeconds, now });
  const ring = currentRing(progress);
  const verdict = progressVerdict({ rollout, rollouts: input.rollouts, progress, currentRing: ring });
  const starting = verdict.mayStart ? nextTenants(progress, ring, maxConcurrent) : [];
  const upgrading: UpgradingTenant[] = [
    ...progress.upgrading.map(({ member, since }) => ({ tenant: member.name, version, since })),
    ...starting.map((member) => ({ tenant: member.name, version, since: formatTime(now) })),
  ];
  const failed = verdict.phase === 'Completed' ? [] : progress.failed;
  const status = rolloutStatus({ rollout, fleet, verdict, upgrading, failed, currentRing: ring, resumeToken: records.resumeToken, now });
  return {
    patches: starting.map((member) => movePatch(rollout, member)),
    status,
    requeueAfterMs: nextCheckMs(upgrading, healthDeadlineSeconds, now),
  };
}

/** The pending tenants of the current ring that fit in the free slots, in ring-then-name order. */
function nextTenants(progress: Progress, ring: number | undefined, maxConcurrent: number): FleetMember[] {
  const free = maxConcurrent - progress.upgrading.length - progress.stuck.length;
  if (free <= 0) return [];
  return progress.pending.filter((member) => member.ring === ring).slice(0, free);
}

/** Moves a tenant, recording what it ran before the first time this rollout moves it. */
function movePatch(rollout: Rollout, member: FleetMember): TenantVersionPatch {
  const { name, resourceVersion, annotations } = member.tenant.metadata;
  const patch: TenantVersionPatch = { tenant: name, resourceVersion, version: rollout.spec.version, movedBy: rollout.metadata.name };
  const previousVersion = requestedVersion(member);
  if (annotations?.[rolloutAnnotation] !== rollout.metadata.name && previousVersion !== undefined) {
    patch.previousVersion = previousVersion;
  }
  return patch;
}

/** Until the earliest deadline of a tenant in flight, but never longer than the poll interval. */
function nextCheckMs(upgrading: readonly UpgradingTenant[], deadlineSeconds: number, now: Date): number | undefined {
  if (upgrading.length === 0) return undefined;
  const earliest = Math.min(...upgrading.map((entry) => Date.parse(entry.since))) + deadlineSeconds * 1000;
  return Math.min(pollIntervalMs, Math.max(1_000, earliest - now.getTime()));
}
