import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../api/conditions.js';
import type { StepOutcome } from './context.js';
import { nextAttempt, progressingRequeueMs, StepsFailedError } from './reconciler.js';

const outcome = (type: ConditionType, status: StepOutcome['status'], reason: Reason): StepOutcome =>
  ({ type, status, reason, message: `${type} ${reason}` });
const waitingForNamespace = [ConditionType.NetworkIsolated, ConditionType.RbacReady, ConditionType.QuotaReady]
  .map((type) => outcome(type, 'False', Reason.DependenciesNotReady));

describe('the tenant reconcile’s next attempt', () => {
  it('looks again after a delay, not with failure backoff, while the namespace terminates and the other steps wait for it', () => {
    const terminating = [outcome(ConditionType.NamespaceReady, 'False', Reason.Progressing), ...waitingForNamespace];
    assert.deepEqual(nextAttempt(terminating), { requeueAfterMs: progressingRequeueMs });
  });

  it('retries with backoff when a step fails, naming only the failing step', () => {
    const conflict = [outcome(ConditionType.NamespaceReady, 'False', Reason.NamespaceConflict), ...waitingForNamespace];
    assert.throws(() => nextAttempt(conflict), (error: unknown) =>
      error instanceof StepsFailedError && error.failures.map((f) => f.type).join() === ConditionType.NamespaceReady);
  });

  it('asks for nothing more once every step is done', () => {
    const done = [ConditionType.NamespaceReady, ConditionType.NetworkIsolated].map((type) => outcome(type, 'True', Reason.Reconciled));
    assert.equal(nextAttempt(done), undefined);
  });
});
