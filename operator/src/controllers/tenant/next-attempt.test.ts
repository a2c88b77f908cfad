import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../api/conditions.js';
import type { StepOutcome } from './context.js';
import { nextAttempt, StepsFailedError } from './reconciler.js';

const ready = (type: ConditionType): StepOutcome => ({ type, status: 'True', reason: Reason.Reconciled, message: 'ok' });
const throttled = (retryAfterMs: number): StepOutcome => ({
  type: ConditionType.EncryptionKeyReady, status: 'False', reason: Reason.KeyProviderThrottled, message: 'KMS in eu-central-1 throttled CreateKey', retryAfterMs,
});

describe('when a tenant is reconciled again', () => {
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
    assert.deepEqual(nextAttempt([ready(ConditionType.NamespaceReady), progressing]), { requeueAfterMs: 2_000 });
    assert.equal(nextAttempt([ready(ConditionType.NamespaceReady)]), undefined);
  });
});
