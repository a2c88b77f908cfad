/**
 * Only one Rollout moves tenants at a time: two at once would fight over the same tenants' version
 * and make "pause when a tenant is unhealthy" meaningless. Of the Rollouts that are not finished,
 * the oldest acts and the others wait (Paused, AnotherRolloutActive) until it completes, is rolled
 * back or is deleted. Decided from the cached Rollouts alone, so every reconcile agrees.
 */
import type { Rollout } from '../../api/rollout.js';

/**
 * A Rollout is finished once it reported Completed or RolledBack for its current spec; editing
 * the spec (a new generation) opens it again.
 */
export function isFinished(rollout: Rollout): boolean {
  const status = rollout.status;
  if (status?.observedGeneration !== rollout.metadata.generation) return false;
  return status?.phase === 'Completed' || status?.phase === 'RolledBack';
}

/** The name of the Rollout that acts instead of `rollout`, or undefined when `rollout` may act. */
export function blockingRollout(rollout: Rollout, rollouts: readonly Rollout[]): string | undefined {
  const contenders = rollouts.filter((other) => !other.metadata.deletionTimestamp && !isFinished(other));
  const [first] = [...contenders, rollout].sort(olderFirst);
  return first === undefined || first.metadata.name === rollout.metadata.name ? undefined : first.metadata.name;
}

/** By creation time, then name, so that two Rollouts created in the same second still agree. */
function olderFirst(left: Rollout, right: Rollout): number {
  const byTime = (left.metadata.creationTimestamp ?? '').localeCompare(right.metadata.creationTimestamp ?? '');
  return byTime || left.metadata.name.localeCompare(right.metadata.name);
}
