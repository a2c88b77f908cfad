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

const ready = (type: ConditionType): StepOutcome => ({ type, status: 'True', reason: Reason.Reconciled, message: 'ok' });
const throttled = (retryAfterMs: number): StepOutcome => ({
  type: ConditionType.EncryptionKeyReady, status: 'False', reason: Reason.KeyProviderThrottled, message: 'KMS in eu-central-1 throttled CreateKey', retryAfterMs,
});

describe('the tenant reconcile’s next attempt with a paced provider', () => {
  it('comes back after the pacer\'s delay when the only failure is a throttled KMS region, not on the fast backoff', () => {
    assert.deepEqual(nextAttempt([ready(ConditionType.NamespaceReady), throttled(1_400), ready(ConditionType.AppDeployed)]), { requeueAfterMs: 1_400 });
  });

  it('never comes back sooner than 200 ms, even when the pacer has a turn at once', () => {
    assert.deepEqual(nextAttempt([throttled(0)]), { requeueAfterMs: 200 });
  });

  it('is left to the backoff when another step failed too', () => {
    const database: StepOutcome = { type: ConditionType.DatabaseReady, status: 'False', reason: Reason.DatabaseUnavailable, message: 'down' };
    assert.throws(() => nextAttempt([database, throttled(1_000)]), StepsFailedError);
  });

  it('is left to the backoff for a failure that says nothing of when to retry, and comes back in 2 s while progressing', () => {
    const unavailable: StepOutcome = { type: ConditionType.EncryptionKeyReady, status: 'False', reason: Reason.KeyProviderUnavailable, message: 'refused' };
    assert.throws(() => nextAttempt([unavailable]), StepsFailedError);
    const progressing: StepOutcome = { type: ConditionType.AppDeployed, status: 'False', reason: Reason.Progressing, message: 'rolling out' };
    assert.deepEqual(nextAttempt([ready(ConditionType.NamespaceReady), progressing]), { requeueAfterMs: progressingRequeueMs });
    assert.equal(nextAttempt([ready(ConditionType.NamespaceReady)]), undefined);
  });
});
