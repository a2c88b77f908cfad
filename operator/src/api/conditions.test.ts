/** Updating a condition list and summarizing it as Ready, the Kubernetes way. */
import assert from 'node:assert/strict';
import { ConditionType, Reason, setCondition, summarizeReady, tenantStepConditionTypes, type Condition } from './conditions.js';

const earlier = new Date('2025-01-01T00:00:00.000Z');
const later = new Date('2025-01-01T00:05:00.123Z');

function allStepsTrue(generation: number): Condition[] {
  return tenantStepConditionTypes.reduce<Condition[]>(
    (conditions, type) =>
      setCondition(
        conditions,
        { type, status: 'True', reason: Reason.Reconciled, message: 'done', observedGeneration: generation },
        earlier,
      ),
    [],
  );
}

describe('setCondition', () => {
  it('appends a condition of a new type, stamped with the time to the second', () => {
    const conditions = setCondition(
      [],
      { type: ConditionType.NamespaceReady, status: 'True', reason: Reason.Reconciled, message: 'ok' },
      later,
    );
    assert.deepEqual(conditions, [
      { type: 'NamespaceReady', status: 'True', reason: 'Reconciled', message: 'ok', lastTransitionTime: '2025-01-01T00:05:00Z' },
    ]);
  });

  it('keeps lastTransitionTime when the status stays the same, even if the reason changes', () => {
    const before = setCondition([], { type: 'DatabaseReady', status: 'False', reason: Reason.Progressing, message: 'creating' }, earlier);
    const after = setCondition(
      before,
      { type: 'DatabaseReady', status: 'False', reason: Reason.DatabaseUnavailable, message: 'down' },
      later,
    );
    assert.equal(after[0]?.lastTransitionTime, '2025-01-01T00:00:00Z');
    assert.equal(after[0]?.reason, 'DatabaseUnavailable');
  });

  it('moves lastTransitionTime when the status flips', () => {
    const before = setCondition([], { type: 'DatabaseReady', status: 'False', reason: Reason.Progressing, message: 'creating' }, earlier);
    const after = setCondition(before, { type: 'DatabaseReady', status: 'True', reason: Reason.Reconciled, message: 'ready' }, later);
    assert.equal(after[0]?.lastTransitionTime, '2025-01-01T00:05:00Z');
  });

  it('replaces in place and leaves the other conditions and the input list alone', () => {
    const before = allStepsTrue(1);
    const after = setCondition(before, { type: 'QuotaReady', status: 'False', reason: Reason.ApplyFailed, message: 'no' }, later);
    assert.deepEqual(
      after.map((condition) => condition.type),
      before.map((condition) => condition.type),
    );
    assert.equal(before.find((condition) => condition.type === 'QuotaReady')?.status, 'True');
    assert.equal(after.find((condition) => condition.type === 'QuotaReady')?.status, 'False');
  });

  it('returns the very same condition object when nothing changed, so callers can skip the write', () => {
    const before = allStepsTrue(1);
    const after = setCondition(
      before,
      { type: 'RbacReady', status: 'True', reason: Reason.Reconciled, message: 'done', observedGeneration: 1 },
      later,
    );
    assert.equal(after[2], before[2]);
  });
});

describe('summarizeReady', () => {
  it('is True when every step is True for this generation', () => {
    assert.deepEqual(summarizeReady(allStepsTrue(3), 3), {
      type: 'Ready',
      status: 'True',
      reason: 'Reconciled',
      message: 'All steps are ready',
      observedGeneration: 3,
    });
  });

  it('carries the reason of the first step that is not True, in reconcile order', () => {
    let conditions = allStepsTrue(2);
    conditions = setCondition(
      conditions,
      { type: 'AppDeployed', status: 'False', reason: Reason.RenderFailed, message: 'chart error', observedGeneration: 2 },
      later,
    );
    conditions = setCondition(
      conditions,
      { type: 'DatabaseReady', status: 'False', reason: Reason.DatabaseUnavailable, message: 'down', observedGeneration: 2 },
      later,
    );
    assert.deepEqual(summarizeReady(conditions, 2), {
      type: 'Ready',
      status: 'False',
      reason: 'DatabaseUnavailable',
      message: 'DatabaseReady: down',
      observedGeneration: 2,
    });
  });

  it('is Unknown while a step has not reported yet', () => {
    const conditions = allStepsTrue(1).filter((condition) => condition.type !== 'AppDeployed');
    const ready = summarizeReady(conditions, 1);
    assert.equal(ready.status, 'Unknown');
    assert.equal(ready.reason, Reason.Progressing);
  });

  it('looks only at the steps it is asked about', () => {
    const conditions = allStepsTrue(1).filter((condition) => condition.type !== 'AppDeployed');
    assert.equal(summarizeReady(conditions, 1, [ConditionType.NamespaceReady, ConditionType.RbacReady]).status, 'True');
  });

  it('is Unknown while a step still describes an older generation', () => {
    const ready = summarizeReady(allStepsTrue(1), 2);
    assert.equal(ready.status, 'Unknown');
    assert.match(ready.message, /generation 1, not 2/);
  });
});
