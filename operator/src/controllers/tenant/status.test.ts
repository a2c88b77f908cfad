import assert from 'node:assert/strict';
import { ConditionType, findCondition, Reason, tenantStepConditionTypes, type Condition } from '../../api/conditions.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder, EventType } from '../../kube/events.js';
import { createLogger } from '../../runtime/logging.js';
import type { StepOutcome } from './context.js';
import { nextStatus, writeStatus, type StatusWriter } from './status.js';

const earlier = new Date('2026-12-01T10:00:00Z');
const now = new Date('2026-12-06T12:00:00Z');

const ready = (type: ConditionType): StepOutcome => ({ type, status: 'True', reason: Reason.Reconciled, message: `${type} ok` });
const allReady = (): StepOutcome[] => tenantStepConditionTypes.map(ready);
const failing = (type: ConditionType, reason: Reason, message: string): StepOutcome => ({ type, status: 'False', reason, message });

function tenant(generation: number, conditions?: Condition[], extra: Partial<NonNullable<Tenant['status']>> = {}): Tenant {
  return {
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', uid: 'a1b2', generation, resourceVersion: '7' },
    spec: {},
    ...(conditions ? { status: { observedGeneration: generation, conditions, ...extra } } : {}),
  } as Tenant;
}

describe('the tenant’s next status', () => {
  it('writes each outcome as a condition of this generation, and Ready True once every step is', () => {
    const status = nextStatus(tenant(3), allReady(), { namespace: 'tenant-acme' }, now);
    assert.equal(status.observedGeneration, 3);
    assert.equal(status.namespace, 'tenant-acme');
    for (const type of tenantStepConditionTypes) {
      assert.deepEqual(findCondition(status.conditions, type), {
        type,
        status: 'True',
        reason: Reason.Reconciled,
        message: `${type} ok`,
        observedGeneration: 3,
        lastTransitionTime: '2026-12-06T12:00:00Z',
      });
    }
    assert.equal(findCondition(status.conditions, ConditionType.Ready)?.status, 'True');
  });

  it('gives Ready the reason and message of the first step in the checklist that fails', () => {
    const outcomes = allReady().map((o) =>
      o.type === ConditionType.DatabaseReady
        ? failing(o.type, Reason.DatabaseUnavailable, 'connection refused')
        : o.type === ConditionType.AppDeployed
          ? failing(o.type, Reason.ReleaseFailed, 'helm not found')
          : o,
    );
    const readyCondition = findCondition(nextStatus(tenant(1), outcomes, {}, now).conditions, ConditionType.Ready);
    assert.deepEqual(
      [readyCondition?.status, readyCondition?.reason, readyCondition?.message],
      ['False', Reason.DatabaseUnavailable, 'DatabaseReady: connection refused'],
    );
  });

  it("keeps a condition's lastTransitionTime while its status holds, and moves it when the status flips", () => {
    const before = nextStatus(tenant(1), allReady(), {}, earlier).conditions ?? [];
    const outcomes = allReady().map((o) => (o.type === ConditionType.QuotaReady ? failing(o.type, Reason.ApplyFailed, 'forbidden') : o));
    const after = nextStatus(tenant(2, before), outcomes, {}, now).conditions;
    assert.equal(findCondition(after, ConditionType.NamespaceReady)?.lastTransitionTime, '2026-12-01T10:00:00Z');
    assert.equal(findCondition(after, ConditionType.NamespaceReady)?.observedGeneration, 2);
    assert.equal(findCondition(after, ConditionType.QuotaReady)?.lastTransitionTime, '2026-12-06T12:00:00Z');
    assert.equal(findCondition(after, ConditionType.Ready)?.lastTransitionTime, '2026-12-06T12:00:00Z');
  });

  it("keeps what the reconcile does not own: the audit's condition and the status fields no step reported", () => {
    const verified: Condition = {
      type: ConditionType.IsolationVerified,
      status: 'True',
      reason: 'Verified',
      message: 'no findings',
      lastTransitionTime: '2026-12-01T10:00:00Z',
    };
    const status = nextStatus(tenant(1, [verified], { namespace: 'tenant-acme' }), allReady(), {}, now);
    assert.deepEqual(findCondition(status.conditions, ConditionType.IsolationVerified), verified);
    assert.equal(status.namespace, 'tenant-acme');
  });
});

interface Recorded {
  applied: Tenant[];
  events: { type: EventType; reason: string; message: string }[];
  warnings: string[];
  writer: StatusWriter;
}

function recordingWriter(options: { eventsFail?: boolean } = {}): Recorded {
  const applied: Tenant[] = [];
  const events: Recorded['events'] = [];
  const warnings: string[] = [];
  const client = {
    applyStatus: (object: Tenant) => {
      applied.push(object);
      return Promise.resolve({ ...object, metadata: { ...object.metadata, resourceVersion: '8' } });
    },
  } as unknown as KubeClient;
  const recorder: EventRecorder = {
    record: (_object, type, reason, message) => {
      events.push({ type, reason, message });
      return options.eventsFail ? Promise.reject(new Error('events are forbidden')) : Promise.resolve();
    },
  };
  const logger = createLogger({ silent: true });
  logger.warn = ((message: string) => {
    warnings.push(message);
    return logger;
  }) as typeof logger.warn;
  return { applied, events, warnings, writer: { client, events: recorder, logger } };
}

describe('writing the tenant’s status', () => {
  it('writes nothing and records no Event when nothing changed', async () => {
    const current = tenant(1, nextStatus(tenant(1), allReady(), {}, earlier).conditions);
    const { applied, events, writer } = recordingWriter();
    const result = await writeStatus(writer, current, nextStatus(current, allReady(), {}, now));
    assert.equal(result, current);
    assert.deepEqual([applied, events], [[], []]);
  });

  it('records one Normal Event "Ready" when Ready becomes True', async () => {
    const current = tenant(1);
    const { applied, events, writer } = recordingWriter();
    const result = await writeStatus(writer, current, nextStatus(current, allReady(), {}, now));
    assert.equal(applied.length, 1);
    assert.equal(result.metadata.resourceVersion, '8', 'the Tenant as the server now has it');
    assert.deepEqual(events, [{ type: 'Normal', reason: 'Ready', message: 'All steps are ready' }]);
  });

  it('records a Warning with the blocking reason when Ready becomes False, and none while it stays so for the same reason', async () => {
    const wasReady = tenant(1, nextStatus(tenant(1), allReady(), {}, earlier).conditions);
    const kmsDown = allReady().map((o) =>
      o.type === ConditionType.EncryptionKeyReady ? failing(o.type, Reason.KeyProviderFailed, 'no credentials') : o,
    );
    const first = recordingWriter();
    const failed = await writeStatus(first.writer, wasReady, nextStatus(wasReady, kmsDown, {}, now));
    assert.deepEqual(first.events, [{ type: 'Warning', reason: 'KeyProviderFailed', message: 'EncryptionKeyReady: no credentials' }]);

    const stillDown = allReady().map((o) =>
      o.type === ConditionType.EncryptionKeyReady ? failing(o.type, Reason.KeyProviderFailed, 'still no credentials') : o,
    );
    const second = recordingWriter();
    const stillFailing = { ...wasReady, status: failed.status } as Tenant;
    await writeStatus(second.writer, stillFailing, nextStatus(stillFailing, stillDown, {}, now));
    assert.equal(second.applied.length, 1, 'the new message is written');
    assert.deepEqual(second.events, [], 'but Ready did not change status or reason');
  });

  it('records a new Warning when Ready stays False for another reason', async () => {
    const kmsDown = allReady().map((o) =>
      o.type === ConditionType.EncryptionKeyReady ? failing(o.type, Reason.KeyProviderFailed, 'no credentials') : o,
    );
    const current = tenant(1, nextStatus(tenant(1), kmsDown, {}, earlier).conditions);
    const databaseDown = kmsDown.map((o) =>
      o.type === ConditionType.DatabaseReady ? failing(o.type, Reason.DatabaseUnavailable, 'refused') : o,
    );
    const { events, writer } = recordingWriter();
    await writeStatus(writer, current, nextStatus(current, databaseDown, {}, now));
    assert.deepEqual(events, [{ type: 'Warning', reason: 'DatabaseUnavailable', message: 'DatabaseReady: refused' }]);
  });

  it("leaves the audit's condition out of what it applies, so it never co-owns it", async () => {
    const verified: Condition = {
      type: ConditionType.IsolationVerified,
      status: 'True',
      reason: 'Verified',
      message: 'no findings',
      lastTransitionTime: '2026-12-01T10:00:00Z',
    };
    const current = tenant(1, [verified]);
    const { applied, writer } = recordingWriter();
    await writeStatus(writer, current, nextStatus(current, allReady(), {}, now));
    const types = applied[0]?.status?.conditions?.map((c) => c.type) ?? [];
    assert.ok(!types.includes(ConditionType.IsolationVerified));
    assert.ok(types.includes(ConditionType.Ready));
  });

  it('logs an Event it could not record and still returns the written Tenant', async () => {
    const { applied, warnings, writer } = recordingWriter({ eventsFail: true });
    const result = await writeStatus(writer, tenant(1), nextStatus(tenant(1), allReady(), {}, now));
    assert.equal(applied.length, 1);
    assert.equal(result.metadata.resourceVersion, '8');
    assert.deepEqual(warnings, ['Could not record event']);
  });
});
