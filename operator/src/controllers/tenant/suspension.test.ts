import assert from 'node:assert/strict';
import { ConditionType, findCondition, Reason, tenantStepConditionTypes, type Condition } from '../../api/conditions.js';
import type { Tenant } from '../../api/tenant.js';
import type { StepOutcome } from './context.js';
import { nextStatus } from './status.js';
import { suspendedCondition, suspensionSteps, withSuspendedCondition } from './suspension.js';

const monday = new Date('2026-12-07T09:00:00Z');
const friday = new Date('2026-12-11T17:00:00Z');

const step = (type: ConditionType, reason: Reason = Reason.Reconciled, status: StepOutcome['status'] = 'True'): StepOutcome => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
});
const lever = (type: ConditionType): Reason => (suspensionSteps.includes(type) ? Reason.Suspended : Reason.Reconciled);
const allSuspended = (): StepOutcome[] => tenantStepConditionTypes.map((type) => step(type, lever(type)));
const allRunning = (): StepOutcome[] => tenantStepConditionTypes.map((type) => step(type));

function tenant(suspended: boolean, conditions?: Condition[]): Tenant {
  return {
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', uid: 'a1b2', generation: 4 },
    spec: { suspended },
    ...(conditions ? { status: { conditions } } : {}),
  } as Tenant;
}

/** One reconcile: the status it would write, from the tenant as it was. */
function reconcile(before: Tenant, outcomes: StepOutcome[], now: Date): Tenant {
  return { ...before, status: withSuspendedCondition(before, outcomes, nextStatus(before, outcomes, {}, now), now) };
}

describe('the Suspended condition', () => {
  it('is absent on a tenant never suspended', () => {
    assert.equal(suspendedCondition(tenant(false), allRunning()), undefined);
    assert.equal(findCondition(reconcile(tenant(false), allRunning(), monday).status?.conditions, ConditionType.Suspended), undefined);
  });

  it('is True and Suspended once every lever is in force, naming them', () => {
    const condition = suspendedCondition(tenant(true), allSuspended());
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, Reason.Suspended);
    assert.match(condition?.message ?? '', /ingress .* closed, owners read-only, database login refused, key disabled, app scaled to zero/);
  });

  it('is True but Suspending while a lever is not in force yet, naming the step and its reason', () => {
    const outcomes = allSuspended().map((o) =>
      o.type === ConditionType.EncryptionKeyReady ? step(o.type, Reason.KeyProviderUnavailable, 'False') : o,
    );
    const condition = suspendedCondition(tenant(true), outcomes);
    assert.equal(condition?.status, 'True');
    assert.equal(condition?.reason, Reason.Suspending);
    assert.equal(condition?.message, 'not in force yet: EncryptionKeyReady (KeyProviderUnavailable)');
  });

  it('keeps the time the suspension began while a provider fails and recovers, and moves it on resume', () => {
    let current = reconcile(tenant(true), allSuspended(), monday);
    const since = findCondition(current.status?.conditions, ConditionType.Suspended)?.lastTransitionTime;
    assert.equal(since, '2026-12-07T09:00:00Z');
    const keyDown = allSuspended().map((o) =>
      o.type === ConditionType.EncryptionKeyReady ? step(o.type, Reason.KeyProviderUnavailable, 'False') : o,
    );
    current = reconcile(current, keyDown, new Date('2026-12-08T09:00:00Z'));
    current = reconcile(current, allSuspended(), new Date('2026-12-09T09:00:00Z'));
    assert.equal(findCondition(current.status?.conditions, ConditionType.Suspended)?.lastTransitionTime, since);

    current = reconcile({ ...current, spec: { ...current.spec, suspended: false } }, allRunning(), friday);
    const resumed = findCondition(current.status?.conditions, ConditionType.Suspended);
    assert.equal(resumed?.status, 'False');
    assert.equal(resumed?.reason, Reason.Resumed);
    assert.equal(resumed?.lastTransitionTime, '2026-12-11T17:00:00Z');
  });

  it('is False and Resuming until every step runs as before, the app rolled out again included', () => {
    const suspendedBefore = reconcile(tenant(true), allSuspended(), monday).status?.conditions;
    const outcomes = allRunning().map((o) => (o.type === ConditionType.AppDeployed ? step(o.type, Reason.Progressing, 'False') : o));
    const condition = suspendedCondition(tenant(false, suspendedBefore), outcomes);
    assert.equal(condition?.status, 'False');
    assert.equal(condition?.reason, Reason.Resuming);
    assert.equal(condition?.message, 'not back yet: AppDeployed (Progressing)');
  });

  it('never gates Ready: a tenant suspended as asked is Ready', () => {
    const status = reconcile(tenant(true), allSuspended(), monday).status;
    assert.equal(findCondition(status?.conditions, ConditionType.Ready)?.status, 'True');
    const suspending = allSuspended().map((o) => (o.type === ConditionType.DatabaseReady ? step(o.type, Reason.Reconciled) : o));
    const ready = findCondition(reconcile(tenant(true), suspending, monday).status?.conditions, ConditionType.Ready);
    assert.equal(ready?.status, 'True', 'Ready sums up the steps only');
  });
});
