/** The promotion step's order, its record in status, and what it never does before verification. */
import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../../api/conditions.js';
import type { TenantStatus } from '../../../api/tenant.js';
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
}

function fakeContext(fake: Fake, recorded: StatusDatabase | undefined, isolation: 'Dedicated' | 'Shared' = 'Dedicated'): StepContext {
  const call =
    <T>(name: string, value: T) =>
    () => (fake.calls.push(name), Promise.resolve(value));
  const pooled = {
    stopWrites: call('stopWrites', 2),
    copyToOwnDatabase: call('copy', undefined),
    verifyCopy: () => call('verify', fake.verification)(),
    dropFromPool: call('dropFromPool', undefined),
  };
  const dedicated = { ensure: call('createDatabase', undefined), pooled: () => pooled };
  const secret = { metadata: { name: 'acme-database', annotations: {} }, data: { password: Buffer.from('pw').toString('base64') } };
  return {
    tenant: {
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'acme', uid: 'a1b2' },
      spec: { region: 'eu-central-1', database: { deletionPolicy: 'Delete' } },
      status: recorded ? { database: recorded } : undefined,
    },
    plan: { metadata: { name: isolation === 'Shared' ? 'pooled' : 'standard' }, spec: { isolation: { database: isolation } } },
    namespace: 'tenant-acme',
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
    const steps = outcomes.map((o) => o.report?.database?.promotion?.step);
    assert.deepEqual(steps, ['StoppingWrites', 'Copying', 'Verifying', 'CuttingOver', 'DroppingPooled', undefined]);
    assert.deepEqual(
      outcomes.slice(0, 5).map((o) => o.reason),
      Array(5).fill(Reason.Promoting),
    );
    assert.match(outcomes[2]?.message ?? '', /step 4 of 6 \(Verifying\) next: copied schema tenant_acme/);
    const places = outcomes.slice(0, 5).map((o) => (o.report?.database as { name: string; schema?: string }).name);
    assert.deepEqual(places, ['bulkhead_pool', 'bulkhead_pool', 'bulkhead_pool', 'bulkhead_pool', 'tenant_acme']);
    assert.equal(fake.events.length, 6);
    assert.match(fake.events[3] ?? '', /verified the copy: 1 tables, 3 rows matched/);
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
      promotion: { step: 'Copying' },
    });
    assert.deepEqual(fake.calls, ['verify']);
    assert.deepEqual(fake.secretDatabase, []);
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
  return { calls: [], secretDatabase: [], events: [], verification: verified };
}
