/**
 * Where each tenant of a rollout stands: updated (healthy on the target), upgrading (moved to it,
 * within its deadline), failed (moved, and not healthy by its deadline) or pending (not moved
 * yet). The Tenants are the truth for "moved" and "healthy"; the Rollout's status only remembers
 * what the Tenants cannot say: when each tenant was moved, and which ones already failed.
 */
import { resumeAnnotation, type FailedTenant, type Rollout } from '../../api/rollout.js';
import { isHealthyOn, isMovedTo, unhealthyDetail, type FleetMember } from './fleet.js';

/** What the rollout remembers from its last status, for the current target version. */
export interface Records {
  /** When each tenant in flight was moved. */
  since: ReadonlyMap<string, string>;
  failed: ReadonlyMap<string, FailedTenant>;
  /** The bulkhead.dev/resume annotation, stored in status once acted on. */
  resumeToken?: string;
}

/**
 * The records of the last status that still apply: those for the current spec.version (a new
 * version starts afresh), and none at all when a new resume token asks to clear the failures and
 * re-check every tenant in flight from now.
 */
export function carriedRecords(rollout: Rollout): Records {
  const token = rollout.metadata.annotations?.[resumeAnnotation];
  const recordedToken = rollout.status?.resumeToken;
  if (token !== undefined && token !== recordedToken) return { since: new Map(), failed: new Map(), resumeToken: token };
  const current = <T extends { version: string }>(entries: T[] | undefined): T[] =>
    (entries ?? []).filter((entry) => entry.version === rollout.spec.version);
  return {
    since: new Map(current(rollout.status?.upgrading).map((entry) => [entry.tenant, entry.since])),
    failed: new Map(current(rollout.status?.failed).map((entry) => [entry.tenant, entry])),
    resumeToken: recordedToken,
  };
}

export interface InFlight {
  member: FleetMember;
  since: string;
}

export interface Progress {
  updated: FleetMember[];
  upgrading: InFlight[];
  pending: FleetMember[];
  /** Every failure still on record (a failed tenant that recovered stays listed until a resume). */
  failed: FailedTenant[];
  /** Failed tenants that are still not healthy; they hold a slot like any tenant in flight. */
  stuck: FleetMember[];
}

export interface Target {
  version: string;
  deadlineSeconds: number;
  now: Date;
}

/** Sorts every member into one bucket, turning tenants past their deadline into failures. */
export function assessProgress(members: readonly FleetMember[], records: Records, target: Target): Progress {
  const progress: Progress = { updated: [], upgrading: [], pending: [], failed: [], stuck: [] };
  for (const member of members) {
    const recorded = records.failed.get(member.name);
    if (recorded) progress.failed.push(recorded);
    if (isHealthyOn(member.tenant, target.version)) progress.updated.push(member);
    else if (!isMovedTo(member.tenant, target.version)) progress.pending.push(member);
    else if (recorded) progress.stuck.push(member);
    else assessInFlight(progress, member, records, target);
  }
  return progress;
}

/** A moved tenant without a recorded time was moved by a write whose status was lost: count from now. */
function assessInFlight(progress: Progress, member: FleetMember, records: Records, target: Target): void {
  const since = records.since.get(member.name) ?? formatTime(target.now);
  const deadline = Date.parse(since) + target.deadlineSeconds * 1000;
  if (target.now.getTime() < deadline) {
    progress.upgrading.push({ member, since });
    return;
  }
  const detail = unhealthyDetail(member.tenant, target.version, target.deadlineSeconds);
  progress.failed.push({ tenant: member.name, version: target.version, ...detail });
  progress.stuck.push(member);
}

/** The ring being upgraded: the lowest ring with a tenant not yet updated. */
export function currentRing(progress: Progress): number | undefined {
  const waiting = [...progress.upgrading.map((entry) => entry.member), ...progress.stuck, ...progress.pending];
  return waiting.length === 0 ? undefined : Math.min(...waiting.map((member) => member.ring));
}

/** metav1.Time: RFC 3339 in UTC, to the second. */
export function formatTime(time: Date): string {
  return time.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
