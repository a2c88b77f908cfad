/**
 * The Rollout's status as people read it: counts (total, updated, pinned), how many tenants run
 * each version, progress per ring, and the Completed and Paused conditions for `kubectl wait`.
 * Pure: the planner decides the phase, this file only writes it down.
 */
import { setCondition, type Condition } from '../../api/conditions.js';
import {
  RolloutConditionType,
  type FailedTenant,
  type Rollout,
  type RolloutPhase,
  type RolloutReason,
  type RolloutStatus,
  type UpgradingTenant,
  type VersionCount,
  type Wave,
} from '../../api/rollout.js';
import { isHealthyOn, type Fleet, type FleetMember } from './fleet.js';

/** What the planner decided, in the words the status uses. */
export interface Verdict {
  phase: RolloutPhase;
  reason: RolloutReason;
  message: string;
}

export interface StatusParts {
  rollout: Rollout;
  fleet: Fleet;
  verdict: Verdict;
  upgrading: UpgradingTenant[];
  failed: FailedTenant[];
  currentRing?: number;
  resumeToken?: string;
  now: Date;
}

export function rolloutStatus(parts: StatusParts): RolloutStatus {
  const { rollout, fleet, verdict } = parts;
  const target = rollout.spec.version;
  return {
    observedGeneration: rollout.metadata.generation,
    phase: verdict.phase,
    reason: verdict.reason,
    message: verdict.message,
    total: fleet.members.length,
    updated: fleet.members.filter((member) => isHealthyOn(member.tenant, target)).length,
    pinned: fleet.pinned.length,
    currentRing: parts.currentRing,
    upgrading: parts.upgrading,
    failed: parts.failed,
    versions: versionCounts(fleet),
    waves: waves(fleet.members, target),
    resumeToken: parts.resumeToken,
    conditions: rolloutConditions(rollout, verdict, parts.now),
  };
}

/** How many selected tenants (pinned ones too) report running each version, most common first. */
export function versionCounts(fleet: Fleet): VersionCount[] {
  const counts = new Map<string, number>();
  for (const { tenant } of [...fleet.members, ...fleet.pinned]) {
    const version = tenant.status?.app?.version;
    if (version !== undefined) counts.set(version, (counts.get(version) ?? 0) + 1);
  }
  return [...counts]
    .map(([version, count]) => ({ version, count }))
    .sort((left, right) => right.count - left.count || left.version.localeCompare(right.version, 'en', { numeric: true }));
}

/** Per ring, lowest first: how many tenants it holds and how many run the target healthily. */
export function waves(members: readonly FleetMember[], target: string): Wave[] {
  const byRing = new Map<number, Wave>();
  for (const member of members) {
    const wave = byRing.get(member.ring) ?? { ring: member.ring, total: 0, updated: 0 };
    wave.total += 1;
    if (isHealthyOn(member.tenant, target)) wave.updated += 1;
    byRing.set(member.ring, wave);
  }
  return [...byRing.values()].sort((left, right) => left.ring - right.ring);
}

/** Completed and Paused; lastTransitionTime moves only when a condition flips. */
function rolloutConditions(rollout: Rollout, verdict: Verdict, now: Date): Condition[] {
  const observedGeneration = rollout.metadata.generation;
  const completed = verdict.phase === 'Completed';
  const paused = verdict.phase === 'Paused';
  let conditions = rollout.status?.conditions ?? [];
  conditions = setCondition(
    conditions,
    {
      type: RolloutConditionType.Completed,
      status: completed ? 'True' : 'False',
      reason: verdict.reason,
      message: verdict.message,
      observedGeneration,
    },
    now,
  );
  conditions = setCondition(
    conditions,
    {
      type: RolloutConditionType.Paused,
      status: paused ? 'True' : 'False',
      reason: verdict.reason,
      message: verdict.message,
      observedGeneration,
    },
    now,
  );
  return conditions;
}
