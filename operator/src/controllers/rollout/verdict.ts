/**
 * The phase of a progressing Rollout and whether it may start more tenants, with a message that
 * says what to do next. The order of the checks is the order of importance: a finished rollout
 * stays finished, a failure is the first thing to show, then another rollout, then a manual pause.
 */
import { RolloutReason, resumeAnnotation, type Rollout } from '../../api/rollout.js';
import { blockingRollout, isFinished } from './active-rollout.js';
import type { Progress } from './progress.js';
import type { Verdict } from './summary.js';

export interface ProgressVerdict extends Verdict {
  /** Whether the next tenants of the current ring may start upgrading. */
  mayStart: boolean;
}

export interface VerdictInput {
  rollout: Rollout;
  rollouts: readonly Rollout[];
  progress: Progress;
  currentRing: number | undefined;
}

export function progressVerdict(input: VerdictInput): ProgressVerdict {
  const { rollout, progress } = input;
  if (input.currentRing === undefined) return completed(rollout, progress);
  if (isFinished(rollout)) return finishedEarlier(rollout, progress);
  if (progress.failed.length > 0) return paused(RolloutReason.TenantUnhealthy, unhealthyMessage(rollout, progress));
  const blocker = blockingRollout(rollout, input.rollouts);
  if (blocker !== undefined) {
    return paused(
      RolloutReason.AnotherRolloutActive,
      `Waiting for Rollout ${blocker}, which moves tenants now; only one Rollout acts at a time`,
    );
  }
  if (rollout.spec.paused) {
    return paused(
      RolloutReason.PausedBySpec,
      `spec.paused is true; ${progress.upgrading.length} tenants still upgrading, no new one starts`,
    );
  }
  const total = progress.updated.length + progress.upgrading.length + progress.pending.length + progress.stuck.length;
  return {
    phase: 'Progressing',
    reason: RolloutReason.Progressing,
    mayStart: true,
    message: `Upgrading ring ${input.currentRing} to ${rollout.spec.version}: ${progress.updated.length} of ${total} tenants updated`,
  };
}

function completed(rollout: Rollout, progress: Progress): ProgressVerdict {
  return {
    phase: 'Completed',
    reason: RolloutReason.AllTenantsUpdated,
    mayStart: false,
    message: `All ${progress.updated.length} tenants run ${rollout.spec.version}`,
  };
}

/**
 * A rollout that completed for this spec moves no one again, so that an old Rollout cannot fight a
 * newer one over tenants that joined later; edit it (a new generation) to move them.
 */
function finishedEarlier(rollout: Rollout, progress: Progress): ProgressVerdict {
  const behind = progress.pending.length + progress.upgrading.length + progress.stuck.length;
  const total = behind + progress.updated.length;
  return {
    phase: 'Completed',
    reason: RolloutReason.AllTenantsUpdated,
    mayStart: false,
    message: `Completed; ${behind} of ${total} tenants do not run ${rollout.spec.version} now, and a completed Rollout moves no one until its spec changes`,
  };
}

function paused(reason: RolloutReason, message: string): ProgressVerdict {
  return { phase: 'Paused', reason, message, mayStart: false };
}

function unhealthyMessage(rollout: Rollout, progress: Progress): string {
  const [first] = progress.failed;
  const others = progress.failed.length > 1 ? ` and ${progress.failed.length - 1} more` : '';
  const what = first ? `${first.tenant} (${first.reason}: ${first.message})${others}` : '';
  return (
    `${what} not healthy on ${rollout.spec.version} within ${rollout.spec.healthDeadlineSeconds}s; ` +
    `fix the cause and annotate ${resumeAnnotation}=<new value>, change spec.version, or set spec.rollback`
  );
}
