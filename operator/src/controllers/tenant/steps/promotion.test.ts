/** The promotion step's order, its record in status, and what it never does before verification. */
import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../../api/conditions.js';
import type { DatabasePromotion, TenantStatus } from '../../../api/tenant.js';
import type { Verification } from '../../../providers/database/pooled/index.js';
import { createLogger } from '../../../runtime/logging.js';
import { unelectedFence } from '../../../runtime/fence.js';
import type { StepContext, StepOutcome } from '../context.js';
import { promote, promotionUnderWay } from './promotion.js';

type StatusDatabase = NonNullable<TenantStatus['database']>;

interface Fake {
  calls: string[];
  secretDatabase: string[];
  events: string[];
  verification: Verification;
  /** Each merge patch: `<kind>/<name> <annotations of the pod template>`. */
  patches: string[];
}

function fakeContext(
  fake: Fake,
  recorded: StatusDatabase | undefined,
  isolation: 'Dedicated' | 'Shared' = 'Dedicated',
  annotations: Record<string, string> = {},
): StepContext {
  const call =
    <T>(name: string, value: T) =>
    () => (fake.calls.push(name), Promise.resolve(value));
  const pooled = {
    stopWrites: call('stopWrites', 2),
    copyToOwnDatabase: call('copy', undefined),
    verifyCopy: () => call('verify', fake.verification)(),
    dropFromPool: call('dropFromPool', undefined),
    ensure: call('writesBackInPool', {}),
  };
  const dedicated = { ensure: call('createDatabase', undefined), pooled: () => pooled };
  const secret = { metadata: { name: 'acme-database', annotations: {} }, data: { password: Buffer.from('pw').toString('base64') } };
  return {
    tenant: {
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'acme', uid: 'a1b2', annotations },
      spec: { region: 'eu-central-1', database: { deletionPolicy: 'Delete' } },
      status: recorded ? { database: recorded } : undefined,
    },
    plan: { metadata: { name: isolation === 'Shared' ? 'pooled' : 'standard' }, spec: { isolation: { database: isolation } } },
    namespace: 'tenant-acme',
    config: { database: { promotion: { maxVerificationFailures: 2 } } },
    release: () => Promise.resolve({ ok: true, objects: releaseObjects }),
    client: {
      mergePatch: (ref: { kind: string; name: string }, patch: { spec: { template: { metadata: { annotations: object } } } }) => {
        fake.patches.push(`${ref.kind}/${ref.name} ${JSON.stringify(patch.spec.template.metadata.annotations)}`);
        return Promise.resolve({});
      },
    },
    providers: { database: () => Promise.resolve(dedicated), settings: () => ({ database: { host: 'db', port: 5432 } }) },
    owned: {
      live: () => Promise.resolve(secret),
      ensure: (object: { stringData?: Record<string, string>; data?: Record<string, string> }) => {
        const database = object.stringData?.database ?? Buffer.from(object.data?.database ?? '', 'base64').toString();
        fake.secretDatabase.push(database);
        return Promise.resolve();
      },
    },
    events: {
      record: (_object: unknown, _type: string, _reason: string, message: string) => (fake.events.push(message), Promise.resolve()),
    },
    logger: createLogger({ silent: true }),
    fence: unelectedFence(new AbortController().signal),
  } as unknown as StepContext;
}

/** The tenant's release: a Deployment to restart at the cut-over, and a ConfigMap that is not one. */
const releaseObjects = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'acme', namespace: 'tenant-acme' } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'acme-config', namespace: 'tenant-acme' } },
];

const settings = { host: 'db', port: 5432, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } };
const verified: Verification = { tables: [{ table: 'tenant_acme.orders', rows: 3, checksum: 'x' }], mismatches: [] };
const finished: StepOutcome = { type: ConditionType.DatabaseReady, status: 'True', reason: Reason.Reconciled, message: 'own database' };

/** Runs the step as successive reconciles would, feeding each reported status into the next. */
async function runToEnd(fake: Fake): Promise<StepOutcome[]> {
  const outcomes: StepOutcome[] = [];
  let recorded: StatusDatabase | undefined = { name: 'bulkhead_pool', schema: 'tenant_acme' };
  for (let reconcile = 0; reconcile < 10; reconcile++) {
    const outcome = await promote(fakeContext(fake, recorded), settings, () => Promise.resolve(finished));
    outcomes.push(outcome);
    if (outcome === finished) return outcomes;
    recorded = outcome.report?.database;
  }
  return outcomes;
}

describe('promotion of a pooled tenant', () => {
  it('starts when the recorded tier is the pool and the plan no longer shares the database, and goes on while recorded', () => {
    const pool = { name: 'bulkhead_pool', schema: 'tenant_acme' };
    assert.equal(promotionUnderWay(fakeContext(emptyFake(), pool)), true);
    assert.equal(promotionUnderWay(fakeContext(emptyFake(), pool, 'Shared')), false);
    assert.equal(promotionUnderWay(fakeContext(emptyFake(), { name: 'tenant_acme' })), false);
    assert.equal(promotionUnderWay(fakeContext(emptyFake(), { name: 'tenant_acme', promotion: { step: 'DroppingPooled' } })), true);
  });

  it('runs one step per reconcile in order, records the next in status, cuts over only after verification and drops last', async () => {
    const fake = emptyFake();
    const outcomes = await runToEnd(fake);
    assert.deepEqual(fake.calls, ['createDatabase', 'stopWrites', 'copy', 'verify', 'dropFromPool']);
    assert.deepEqual(fake.secretDatabase, ['tenant_acme']);
    const startedAt = outcomes[0]?.report?.database?.promotion?.startedAt ?? 'none';
    assert.deepEqual(fake.patches, [`Deployment/acme {"bulkhead.dev/database-cut-over":"tenant_acme@${startedAt}"}`]);
    assert.match(fake.events[5] ?? '', /cut over: Secret acme-database names database tenant_acme; restarted deployment acme/);
    const steps = outcomes.map((o) => o.report?.database?.promotion?.step);
    assert.deepEqual(steps, ['CreatingDatabase', 'StoppingWrites', 'Copying', 'Verifying', 'CuttingOver', 'DroppingPooled', undefined]);
    assert.deepEqual(
      outcomes.slice(0, 6).map((o) => o.reason),
      Array(6).fill(Reason.Promoting),
    );
    assert.match(outcomes[0]?.message ?? '', /step 1 of 6 \(CreatingDatabase\) next: promotion began: plan standard/);
    assert.match(outcomes[3]?.message ?? '', /step 4 of 6 \(Verifying\) next: copied schema tenant_acme/);
    const places = outcomes.slice(0, 6).map((o) => (o.report?.database as { name: string; schema?: string }).name);
    assert.deepEqual(places, ['bulkhead_pool', 'bulkhead_pool', 'bulkhead_pool', 'bulkhead_pool', 'bulkhead_pool', 'tenant_acme']);
    assert.equal(fake.events.length, 7);
    assert.match(fake.events[4] ?? '', /verified the copy: 1 tables, 3 rows matched/);
  });

  it('on a verification mismatch cuts nothing over, keeps the pool, names the table and goes back to the copy', async () => {
    const fake = emptyFake();
    fake.verification = { tables: [], mismatches: ['tenant_acme.orders: 3 rows in the pool, 2 in the copy'] };
    const outcome = await promote(
      fakeContext(fake, { name: 'bulkhead_pool', schema: 'tenant_acme', promotion: { step: 'Verifying' } }),
      settings,
      () => Promise.resolve(finished),
    );
    assert.equal(outcome.reason, Reason.PromotionVerificationFailed);
    assert.match(
      outcome.message,
      /nothing was cut over and schema tenant_acme is kept.*tenant_acme\.orders: 3 rows in the pool, 2 in the copy/,
    );
    assert.deepEqual(outcome.report?.database, {
      host: 'db',
      port: 5432,
      secretName: 'acme-database',
      name: 'bulkhead_pool',
      schema: 'tenant_acme',
      promotion: {
        step: 'Copying',
        verificationFailures: 1,
        verificationFailed: 'tenant_acme.orders: 3 rows in the pool, 2 in the copy',
      },
    });
    assert.deepEqual(fake.calls, ['verify']);
    assert.deepEqual(fake.secretDatabase, []);
    assert.deepEqual(fake.patches, [], 'no pod restarted before the cut-over');
  });

  it('stops after the configured failed verifications, gives the writes back in the pool and waits for a new retry annotation', async () => {
    const fake = emptyFake();
    fake.verification = { tables: [], mismatches: ['tenant_acme.orders: the same 3 rows in number, but their checksums differ'] };
    const pool = { name: 'bulkhead_pool', schema: 'tenant_acme' };
    const run = (promotion: DatabasePromotion, annotations: Record<string, string> = {}) =>
      promote(fakeContext(fake, { ...pool, promotion }, 'Dedicated', annotations), settings, () => Promise.resolve(finished));

    const second = await run({ step: 'Verifying', verificationFailures: 1, writesStoppedAt: '2026-12-07T05:00:00Z' });
    const stopped = second.report?.database?.promotion;
    assert.equal(second.reason, Reason.PromotionVerificationFailed);
    assert.deepEqual(stopped, {
      step: 'StoppingWrites',
      verificationFailures: 2,
      verificationFailed: 'tenant_acme.orders: the same 3 rows in number, but their checksums differ',
      writesStoppedAt: '2026-12-07T05:00:00Z',
    });
    assert.match(second.message, /stopped after 2 failed verifications .*tenant_acme\.orders.*nothing was cut over/);
    assert.match(fake.events.at(-1) ?? '', /stopped after 2 failed verifications/);

    const waiting = await run(stopped ?? { step: 'StoppingWrites' });
    assert.equal(waiting.reason, Reason.PromotionVerificationFailed);
    assert.match(waiting.message, /kubectl annotate tenant acme bulkhead\.dev\/retry-promotion=<a new value> --overwrite/);
    assert.deepEqual(waiting.report?.database?.promotion, stopped, 'nothing moves while it waits');
    assert.deepEqual(fake.calls, ['verify', 'writesBackInPool'], 'the tenant writes in the pool again; no copy, no cut-over');

    const retried = await run(stopped ?? { step: 'StoppingWrites' }, { 'bulkhead.dev/retry-promotion': 'after-fix-1' });
    assert.equal(retried.reason, Reason.Promoting);
    const round = retried.report?.database?.promotion;
    assert.equal(round?.step, 'Copying');
    assert.equal(round?.retry, 'after-fix-1');
    assert.equal(round?.verificationFailures, undefined);
    assert.notEqual(round?.writesStoppedAt, '2026-12-07T05:00:00Z', 'the new outage starts now');
    assert.deepEqual(fake.calls.slice(2), ['stopWrites']);

    const again = await run(
      { ...stopped, step: 'StoppingWrites', retry: 'after-fix-1' },
      { 'bulkhead.dev/retry-promotion': 'after-fix-1' },
    );
    assert.equal(again.reason, Reason.PromotionVerificationFailed, 'a retry value already acted on starts nothing');
    const tooLong = await run(stopped ?? { step: 'StoppingWrites' }, { 'bulkhead.dev/retry-promotion': 'x'.repeat(64) });
    assert.match(tooLong.message, /annotation was not acted on: it must be at most 63 characters/);
    assert.deepEqual(fake.calls.slice(3), ['writesBackInPool', 'writesBackInPool']);
    assert.deepEqual(fake.secretDatabase, [], 'never cut over');
  });

  it('refuses a plan that shares the database again mid-way, naming spec.plan and isolation.database', async () => {
    const fake = emptyFake();
    const outcome = await promote(
      fakeContext(fake, { name: 'bulkhead_pool', schema: 'tenant_acme', promotion: { step: 'Copying' } }, 'Shared'),
      settings,
      () => Promise.resolve(finished),
    );
    assert.equal(outcome.reason, Reason.TierChangeNotSupported);
    assert.match(outcome.message, /spec\.plan pooled has spec\.isolation\.database Shared: a promotion cannot be turned back/);
    assert.deepEqual(fake.calls, []);
  });
});

function emptyFake(): Fake {
  return { calls: [], secretDatabase: [], events: [], verification: verified, patches: [] };
}
