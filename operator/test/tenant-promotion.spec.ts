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
import { cutOverAnnotation } from '../src/controllers/tenant/steps/promotion-restart.js';
import { KubeClient } from '../src/kube/client.js';
import { applyObjects, eventually } from './support/cluster.js';
import { startOperator, testAccountId, testRegions, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenant,
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

/** The pod-template annotations of the tenant's Deployments, by name, and the ReplicaSets' templates' cut-over annotations. */
async function appTemplates(
  kc: k8s.KubeConfig,
  tenant: string,
): Promise<{ deployments: Record<string, string | undefined>; replicaSets: string[] }> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const namespace = `tenant-${tenant}`;
  const deployments = (await apps.listNamespacedDeployment({ namespace })).items;
  const replicaSets = (await apps.listNamespacedReplicaSet({ namespace })).items;
  return {
    deployments: Object.fromEntries(
      deployments.map((d) => [d.metadata?.name ?? '', d.spec?.template.metadata?.annotations?.[cutOverAnnotation]]),
    ),
    replicaSets: replicaSets.map((rs) => rs.spec?.template?.metadata?.annotations?.[cutOverAnnotation] ?? 'none').sort(),
  };
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

  /**
   * Every Deployment of the release carries the cut-over's annotation in its pod template, the
   * controller made a ReplicaSet from it (a rollout), and the operator's next passes keep it.
   */
  async function assertRestartedAtCutOver(name: string, startedAt: string | undefined): Promise<void> {
    const value = new RegExp(`^${identifier(name)}@${startedAt ?? '\\d{4}-'}`);
    const after = await eventually('a ReplicaSet from the restarted template', async () => {
      const templates = await appTemplates(kc, name);
      return templates.replicaSets.some((annotation) => value.test(annotation)) ? templates : undefined;
    });
    for (const [deployment, annotation] of Object.entries(after.deployments)) {
      assert.match(annotation ?? 'none', value, `deployment ${deployment} was restarted at the cut-over`);
    }
    await waitForReady(kc, name, 120_000);
    assert.deepEqual((await appTemplates(kc, name)).deployments, after.deployments, 'the release does not roll the pods back');
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
    const before = await appTemplates(kc, promoted);
    assert.ok(Object.keys(before.deployments).length > 0, 'the pooled tenant runs a release of its own');
    assert.ok(
      Object.values(before.deployments).every((value) => value === undefined),
      `no cut-over annotation before: ${JSON.stringify(before)}`,
    );
    const writer = new FollowingWriter(kc, promoted);
    writer.start();
    let startedAt: string | undefined;
    try {
      await sleep(1000);
      await patchPlan(promoted, 'standard');
      await eventually(
        'promoted and Ready',
        async () => {
          const tenant = await readTenant(kc, promoted);
          const database = condition(tenant, 'DatabaseReady');
          const status = (tenant.status as Tenant['status'])?.database;
          startedAt ??= status?.promotion?.startedAt;
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
    const restarted = new RegExp(`cut over: Secret ${promoted}-database names database ${identifier(promoted)}; restarted deployment`);
    for (const done of [/created database/, /stopped writes/, /copied schema/, /verified the copy/, restarted, /promoted: schema/]) {
      assert.ok(
        messages.some((message) => done.test(message)),
        `an Event says ${done}: ${messages.join(' | ')}`,
      );
    }
    await assertRestartedAtCutOver(promoted, startedAt);
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

  for (const crashAt of ['promotion.after-restore', 'promotion.after-secret-write', 'promotion.after-cut-over']) {
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
        await assertRestartedAtCutOver(name, undefined);
      } finally {
        operator ??= startOperator();
        await deleteTenantsAndWait(kc, [name]);
      }
    });
  }
  /** What of the tenant is on the server: its schema and shared rows in the pool, its own database, its role and whether it may log in. */
  async function leftOnServer(name: string): Promise<Record<string, unknown>> {
    const [inPool] = await adminQuery(
      `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
              (SELECT count(*)::int FROM bulkhead_shared.tenant_settings WHERE tenant = $1) AS "sharedRows"`,
      [identifier(name)],
      'bulkhead_pool',
    );
    const [onServer] = await adminQuery(
      `SELECT (SELECT count(*)::int FROM pg_database WHERE datname = $1) AS databases,
              (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles,
              (SELECT count(*)::int FROM pg_roles WHERE rolname = $1 AND rolcanlogin) AS logins`,
      [identifier(name)],
    );
    return { ...inPool, ...onServer };
  }

  /** A retained tenant's leftovers, removed by hand as an administrator would once done with them. */
  async function removeRetained(name: string): Promise<void> {
    const role = `"${identifier(name)}"`;
    await adminQuery(`DELETE FROM bulkhead_shared.tenant_settings WHERE tenant = $1`, [identifier(name)], 'bulkhead_pool');
    await adminQuery(`DROP OWNED BY ${role}`, [], 'bulkhead_pool');
    await adminQuery(`DROP DATABASE IF EXISTS ${role}`);
    await adminQuery(`DROP OWNED BY ${role}`);
    await adminQuery(`DROP ROLE IF EXISTS ${role}`);
  }

  /**
   * Stops the promotion at `at` with no operator running: after StoppingWrites (the operator
   * stopped once status says the copy is next), or at CreatingDatabase (killed -9 right after its
   * own database is made and marked, before any status says so).
   */
  async function holdPromotion(name: string, at: 'CreatingDatabase' | 'afterStoppingWrites'): Promise<string> {
    await operator?.stop();
    operator = undefined;
    if (at === 'CreatingDatabase') {
      const crashing = startOperator({}, { BULKHEAD_CRASH_AT: 'database.after-comment-database' });
      await patchPlan(name, 'standard');
      assert.equal(await crashing.exited, 'SIGKILL');
      const [own] = await adminQuery(`SELECT count(*)::int AS n FROM pg_database WHERE datname = $1`, [identifier(name)]);
      assert.deepEqual(own, { n: 1 }, 'its own database was made before the kill');
      return ((await readTenant(kc, name)).status as Tenant['status'])?.database?.promotion?.step ?? 'none recorded';
    }
    operator = startOperator();
    await patchPlan(name, 'standard');
    const afterStop = new Set(['Copying', 'Verifying', 'CuttingOver', 'DroppingPooled']);
    await eventually('writes stopped in the pool', async () => {
      const step = ((await readTenant(kc, name)).status as Tenant['status'])?.database?.promotion?.step;
      return step !== undefined && afterStop.has(step);
    });
    await operator.stop();
    operator = undefined;
    const step = ((await readTenant(kc, name)).status as Tenant['status'])?.database?.promotion?.step ?? 'none';
    assert.ok(afterStop.has(step), `held after StoppingWrites, at ${step}`);
    return step;
  }

  for (const at of ['afterStoppingWrites', 'CreatingDatabase'] as const) {
    it(`deletes a tenant deleted mid-promotion (${at}) with deletionPolicy Delete: nothing left in the pool or of its own database`, async function () {
      const name = `promo-del-${at === 'CreatingDatabase' ? 'create' : 'copy'}-${runId}`;
      await applyObjects(kc, [tenantManifest(name, { plan: 'pooled', database: { deletionPolicy: 'Delete' } })]);
      try {
        await waitForReady(kc, name, 180_000);
        await seed(name);
        const step = await holdPromotion(name, at);
        await deleteTenant(kc, name);
        operator = startOperator();
        await deleteTenantsAndWait(kc, [name], 180_000);
        assert.deepEqual(await leftOnServer(name), { schemas: 0, sharedRows: 0, databases: 0, roles: 0, logins: 0 }, `deleted at ${step}`);
      } finally {
        operator ??= startOperator();
        await deleteTenantsAndWait(kc, [name]).catch(() => undefined);
      }
    });

    it(`retains both parts of a tenant deleted mid-promotion (${at}) with deletionPolicy Retain, its role unable to log in`, async function () {
      const name = `promo-ret-${at === 'CreatingDatabase' ? 'create' : 'copy'}-${runId}`;
      await applyObjects(kc, [tenantManifest(name, { plan: 'pooled', database: { deletionPolicy: 'Retain' } })]);
      try {
        await waitForReady(kc, name, 180_000);
        await seed(name);
        const step = await holdPromotion(name, at);
        await deleteTenant(kc, name);
        operator = startOperator();
        await deleteTenantsAndWait(kc, [name], 180_000);
        assert.deepEqual(await leftOnServer(name), { schemas: 1, sharedRows: 1, databases: 1, roles: 1, logins: 0 }, `retained at ${step}`);
        const [orders] = await adminQuery(`SELECT count(*)::int AS n FROM "${identifier(name)}".orders`, [], 'bulkhead_pool');
        assert.deepEqual(orders, { n: 100 }, 'the pool, still the truth, keeps every row');
      } finally {
        operator ??= startOperator();
        await deleteTenantsAndWait(kc, [name]).catch(() => undefined);
        await removeRetained(name);
      }
    });
  }
  it('stops after the configured failed verifications naming the table, gives the writes back in the pool, and finishes after a retry annotation', async function () {
    const name = `promo-verify-${runId}`;
    const admin = `"${testEnvironment().postgres.user}"`;
    await applyObjects(kc, [tenantManifest(name, { plan: 'pooled', database: { deletionPolicy: 'Delete' } })]);
    try {
      await waitForReady(kc, name, 180_000);
      await seed(name);
      const client = await connect(await credentials(kc, name));
      await client.query(`CREATE TABLE events (id serial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())`);
      await client.query(`INSERT INTO events DEFAULT VALUES`);
      await client.end();
      // The sabotage: the operator's sessions in the pool print times in another zone, so every
      // copy's checksum of events differs from the pool's, however often it is copied.
      await adminQuery(`ALTER ROLE ${admin} IN DATABASE bulkhead_pool SET timezone = 'Pacific/Kiritimati'`);
      try {
        await patchPlan(name, 'standard');
        const stopped = await eventually(
          'the promotion stopped by failed verifications',
          async () => {
            const database = condition(await readTenant(kc, name), 'DatabaseReady');
            return database?.reason === 'PromotionVerificationFailed' && /stopped after 3 failed/.test(database.message)
              ? database
              : undefined;
          },
          180_000,
        );
        assert.match(stopped.message, new RegExp(`${identifier(name)}\\.events: the same 1 rows in number, but their checksums differ`));
        assert.match(stopped.message, /kubectl annotate tenant .* bulkhead\.dev\/retry-promotion=<a new value> --overwrite/);
        const promotion = ((await readTenant(kc, name)).status as Tenant['status'])?.database?.promotion;
        assert.equal(promotion?.verificationFailures, 3);
        assert.equal((await credentials(kc, name)).database, 'bulkhead_pool', 'nothing was cut over');
        await eventually('the tenant writes in the pool again', async () => {
          const writer = await connect(await credentials(kc, name)).catch(() => undefined);
          const written = await writer?.query(`INSERT INTO orders (note) VALUES ('while stopped')`).catch(() => undefined);
          await writer?.end();
          return written !== undefined;
        });
      } finally {
        await adminQuery(`ALTER ROLE ${admin} IN DATABASE bulkhead_pool RESET timezone`);
      }
      await customObjects(kc).patchClusterCustomObject(
        {
          group,
          version,
          plural: 'tenants',
          name,
          body: { metadata: { annotations: { 'bulkhead.dev/retry-promotion': 'timezone-fixed' } } },
        },
        mergePatch,
      );
      await eventually(
        'promoted after the retry',
        async () => {
          const tenant = await readTenant(kc, name);
          const status = (tenant.status as Tenant['status'])?.database;
          return condition(tenant, 'DatabaseReady')?.status === 'True' && status?.promotion === undefined ? tenant : undefined;
        },
        180_000,
      );
      const own = await connect(await credentials(kc, name));
      const [orders] = (await own.query<{ n: number }>(`SELECT count(*)::int AS n FROM orders`)).rows;
      await own.end();
      assert.deepEqual(orders, { n: 101 }, 'the row written while the promotion waited moved too');
    } finally {
      await deleteTenantsAndWait(kc, [name]);
    }
  });
});
