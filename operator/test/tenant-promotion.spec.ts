/**
 * Promotion through the running operator against the real control plane and PostgreSQL
 * (docs/decisions/0048): a pooled Tenant whose plan is changed to a dedicated one moves, with an
 * app-like writer that follows its Secret committing throughout, into a database of its own; its
 * condition and Events name each step; nothing of it is left in the pool; the audit judges it as a
 * dedicated tenant and passes; a plan change back into the pool is refused naming the fields; and
 * a kill -9 of the operator inside the copy and right after the cut-over converges.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { testEnvironment } from '@bulkhead/testenv';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import type { Tenant } from '../src/api/tenant.js';
import { auditDatabases } from '../src/audit/data/index.js';
import { KubeClient } from '../src/kube/client.js';
import { applyObjects, eventually } from './support/cluster.js';
import { startOperator, testAccountId, testRegions, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
} from './support/tenants.js';
import { adminQuery, runId } from './providers/support/postgres.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const identifier = (name: string): string => `tenant_${name.replaceAll('-', '_')}`;

async function credentials(kc: k8s.KubeConfig, tenant: string): Promise<Record<string, string>> {
  const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: `tenant-${tenant}`, name: `${tenant}-database` });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

async function connect(c: Record<string, string>): Promise<pg.Client> {
  const client = new pg.Client({ host: c.host, port: Number(c.port), user: c.username, password: c.password, database: c.database });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

/** The tenant's app: one-row transactions into `orders`, reconnecting after a failure with the Secret as it then is. */
class FollowingWriter {
  readonly committed: number[] = [];
  outageMs = 0;
  private stopped = false;
  private running: Promise<void> | undefined;

  constructor(
    private readonly kc: k8s.KubeConfig,
    private readonly tenant: string,
  ) {}

  start(): void {
    this.running = this.loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    let client: pg.Client | undefined;
    let failingSince: number | undefined;
    while (!this.stopped) {
      try {
        client ??= await connect(await credentials(this.kc, this.tenant));
        const { rows } = await client.query<{ id: number }>(`INSERT INTO orders (note) VALUES ('live') RETURNING id`);
        this.committed.push(rows[0]?.id ?? -1);
        if (failingSince !== undefined) this.outageMs = Math.max(this.outageMs, Date.now() - failingSince);
        failingSince = undefined;
      } catch {
        await client?.end().catch(() => undefined);
        client = undefined;
        failingSince ??= Date.now();
        await sleep(100);
      }
    }
    await client?.end().catch(() => undefined);
  }
}

describe('promotion of a pooled tenant through the operator', function () {
  // Operators are started and killed, with lease takeovers, on a shared two-core machine.
  this.timeout(300_000);
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  const promoted = `promo-${runId}`;

  const patchPlan = (name: string, plan: string) =>
    customObjects(kc).patchClusterCustomObject({ group, version, plural: 'tenants', name, body: { spec: { plan } } }, mergePatch);

  async function seed(name: string): Promise<void> {
    const client = await connect(await credentials(kc, name));
    try {
      await client.query('CREATE TABLE orders (id serial PRIMARY KEY, note text)');
      await client.query(`INSERT INTO orders (note) SELECT 'seed' FROM generate_series(1, 100)`);
      await client.query(`INSERT INTO bulkhead_shared.tenant_settings (key, value) VALUES ('theme', 'dark')`);
    } finally {
      await client.end();
    }
  }

  /** Its schema, shared rows and CONNECT in the pool; all gone once promoted. */
  async function leftInPool(name: string): Promise<Record<string, unknown>> {
    const [inPool] = await adminQuery(
      `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
              (SELECT count(*)::int FROM bulkhead_shared.tenant_settings WHERE tenant = $1) AS "sharedRows"`,
      [identifier(name)],
      'bulkhead_pool',
    );
    const [grants] = await adminQuery(`SELECT has_database_privilege($1, 'bulkhead_pool', 'CONNECT') AS connect`, [identifier(name)]);
    return { ...inPool, ...grants };
  }

  before(async function () {
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(kc, [tenantManifest(promoted, { plan: 'pooled', database: { deletionPolicy: 'Delete' } })]);
    await waitForReady(kc, promoted, 180_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${operator?.output(80) ?? ''}`);
    });
    await seed(promoted);
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [promoted]).catch(() => undefined);
    await operator?.stop();
  });

  it('moves the tenant with a writer running into a database of its own, every committed row with it, naming each step', async function () {
    const writer = new FollowingWriter(kc, promoted);
    writer.start();
    try {
      await sleep(1000);
      await patchPlan(promoted, 'standard');
      await eventually(
        'promoted and Ready',
        async () => {
          const tenant = await readTenant(kc, promoted);
          const database = condition(tenant, 'DatabaseReady');
          const status = (tenant.status as Tenant['status'])?.database;
          return database?.status === 'True' && status?.promotion === undefined && status?.name === identifier(promoted)
            ? tenant
            : undefined;
        },
        180_000,
      );
      await sleep(1000);
    } finally {
      await writer.stop();
    }
    const c = await credentials(kc, promoted);
    assert.equal(c.database, identifier(promoted));
    const client = await connect(c);
    const ids = new Set((await client.query<{ id: number }>('SELECT id FROM orders')).rows.map((row) => row.id));
    const shared = (await client.query('SELECT key FROM bulkhead_shared.tenant_settings')).rows;
    await client.end();
    assert.ok(writer.committed.length > 5, `the writer committed ${writer.committed.length} rows`);
    assert.deepEqual(
      writer.committed.filter((id) => !ids.has(id)),
      [],
    );
    assert.deepEqual(shared, [{ key: 'theme' }]);
    assert.deepEqual(await leftInPool(promoted), { schemas: 0, sharedRows: 0, connect: false });
    const status = (await readTenant(kc, promoted)).status as Tenant['status'];
    assert.equal(status?.database?.schema, undefined);
    const events = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${promoted},reason=Promotion` });
    const messages = events.items.map((event) => event.message ?? '');
    for (const done of [/created database/, /stopped writes/, /copied schema/, /verified the copy/, /cut over/, /promoted: schema/]) {
      assert.ok(
        messages.some((message) => done.test(message)),
        `an Event says ${done}: ${messages.join(' | ')}`,
      );
    }
    console.log(`      write outage through the operator (stop to the writer's first write after cut-over): ${writer.outageMs} ms`);
  });

  it('passes the audit as a dedicated tenant: its own database, the login matrix, no pooled checks', async function () {
    const env = testEnvironment();
    const settings = {
      database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
      kms: { accountId: testAccountId, endpoint: env.kms.endpoint },
    };
    const config = parseOperatorConfig({ regions: Object.fromEntries(testRegions.map((region) => [region, settings])) });
    const client = KubeClient.load(env.kubeconfig);
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => t.metadata.name === promoted);
    const run = await auditDatabases(client, { tenants, config });
    const ours = run.checks.filter((check) => check.tenant === promoted);
    assert.deepEqual(
      ours.filter((check) => check.result !== 'pass').map((check) => `${check.id} ${check.reason}: ${check.message}`),
      [],
    );
    assert.deepEqual([...new Set(ours.map((check) => check.id))].sort(), [
      'database.acl',
      'database.cross-tenant-login',
      'database.own-login',
      'database.ownership-marker',
      'database.role',
    ]);
  });

  it('refuses a plan change back into the pool, naming spec.plan and isolation.database, and moves nothing', async function () {
    await patchPlan(promoted, 'pooled');
    try {
      const refused = await eventually('TierChangeNotSupported', async () => {
        const database = condition(await readTenant(kc, promoted), 'DatabaseReady');
        return database?.reason === 'TierChangeNotSupported' ? database : undefined;
      });
      assert.match(refused.message, /spec\.plan pooled has spec\.isolation\.database Shared: demotion into the pool is not supported/);
      assert.equal((await credentials(kc, promoted)).database, identifier(promoted));
      assert.deepEqual(await leftInPool(promoted), { schemas: 0, sharedRows: 0, connect: false });
    } finally {
      await patchPlan(promoted, 'standard');
    }
    await waitForReady(kc, promoted, 180_000);
  });

  for (const crashAt of ['promotion.after-restore', 'promotion.after-cut-over']) {
    it(`converges when the operator is killed -9 at ${crashAt}`, async function () {
      const name = `promo-${crashAt.replace(/[^a-z]+/g, '-').slice(10, 22)}-${runId}`;
      await applyObjects(kc, [tenantManifest(name, { plan: 'pooled', database: { deletionPolicy: 'Delete' } })]);
      try {
        await waitForReady(kc, name, 180_000);
        await seed(name);
        await operator?.stop();
        operator = undefined;
        const crashing = startOperator({}, { BULKHEAD_CRASH_AT: crashAt });
        await patchPlan(name, 'standard');
        assert.equal(await crashing.exited, 'SIGKILL');
        operator = startOperator();
        await eventually(
          'promoted and Ready',
          async () => {
            const tenant = await readTenant(kc, name);
            const status = (tenant.status as Tenant['status'])?.database;
            return condition(tenant, 'DatabaseReady')?.status === 'True' && status?.promotion === undefined && status?.schema === undefined
              ? tenant
              : undefined;
          },
          180_000,
        );
        const client = await connect(await credentials(kc, name));
        const [orders] = (await client.query<{ n: number }>('SELECT count(*)::int AS n FROM orders')).rows;
        await client.end();
        assert.deepEqual(orders, { n: 100 });
        assert.deepEqual(await leftInPool(name), { schemas: 0, sharedRows: 0, connect: false });
      } finally {
        operator ??= startOperator();
        await deleteTenantsAndWait(kc, [name]);
      }
    });
  }
});
