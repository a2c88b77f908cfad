/**
 * A Tenant on a plan whose database is Shared, through the running operator against the real
 * control plane and PostgreSQL: it gets a schema of its own in the region's pool database, its
 * condition says what it shares, its neighbour's login cannot read it, and its deletion follows its
 * policy. A plan change out of the pool is promotion: tenant-promotion.spec.ts.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { testEnvironment } from '@bulkhead/testenv';
import { applyObjects } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { condition, deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from './support/tenants.js';
import { adminQuery, runId } from './providers/support/postgres.js';
import { testAccountId, testRegions } from './support/operator-process.js';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import type { Tenant } from '../src/api/tenant.js';
import { auditDatabases } from '../src/audit/data/index.js';
import { KubeClient } from '../src/kube/client.js';

async function credentials(kc: k8s.KubeConfig, tenant: string): Promise<Record<string, string>> {
  const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: `tenant-${tenant}`, name: `${tenant}-database` });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString()]));
}

async function asTenant<T>(c: Record<string, string>, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ host: c.host, port: Number(c.port), user: c.username, password: c.password, database: c.database });
  await client.connect();
  try {
    return await use(client);
  } finally {
    await client.end();
  }
}

describe('a pooled tenant', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  const a = `pool-a-${runId}`;
  const b = `pool-b-${runId}`;
  const schemaOf = (name: string): string => `tenant_${name.replaceAll('-', '_')}`;

  before(async function () {
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(kc, [
      tenantManifest(a, { plan: 'pooled', database: { deletionPolicy: 'Delete' } }),
      tenantManifest(b, { plan: 'pooled', database: { deletionPolicy: 'Retain' } }),
    ]);
    await waitForReady(kc, a);
    await waitForReady(kc, b);
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [a, b]).catch(() => undefined);
    await operator?.stop();
    // What Retain kept for b, so the shared server is left as found.
    await adminQuery(`DROP SCHEMA IF EXISTS "${schemaOf(b)}" CASCADE`, [], 'bulkhead_pool').catch(() => undefined);
    await adminQuery(`DELETE FROM bulkhead_shared.tenant_settings WHERE tenant = $1`, [schemaOf(b)], 'bulkhead_pool').catch(
      () => undefined,
    );
    await adminQuery(`DROP OWNED BY "${schemaOf(b)}"`, [], 'bulkhead_pool').catch(() => undefined);
    await adminQuery(`DROP ROLE IF EXISTS "${schemaOf(b)}"`).catch(() => undefined);
  });

  it('gets a schema of its own in the pool database, recorded in status, and its condition says what it shares', async function () {
    const { postgres } = testEnvironment();
    const tenant = await readTenant(kc, a);
    const database = condition(tenant, 'DatabaseReady');
    assert.equal(database?.status, 'True');
    assert.match(
      database?.message ?? '',
      new RegExp(`schema ${schemaOf(a)} of its own.*shares database bulkhead_pool on .* with the region's other pooled tenants`),
    );
    const { inputsDigest, ...where } = (tenant.status as { database?: Record<string, unknown> }).database ?? {};
    assert.match(String(inputsDigest), /^sha256:/);
    assert.deepEqual(where, {
      host: postgres.host,
      port: postgres.port,
      name: 'bulkhead_pool',
      schema: schemaOf(a),
      secretName: `${a}-database`,
    });
    const c = await credentials(kc, a);
    assert.equal(c.database, 'bulkhead_pool');
    const schema = await asTenant(c, async (client) => {
      await client.query('CREATE TABLE orders (id int)');
      return (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema;
    });
    assert.equal(schema, schemaOf(a));
  });

  it("refuses its neighbour's login its schema: permission denied", async function () {
    const neighbour = await credentials(kc, b);
    await asTenant(neighbour, async (client) => {
      await assert.rejects(client.query(`SELECT * FROM "${schemaOf(a)}".orders`), /permission denied for schema/);
    });
  });

  it('passes the fleet audit with the pooled checks instead of the login matrix, and counts its schema as its database', async function () {
    const env = testEnvironment();
    const settings = {
      database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
      kms: { accountId: testAccountId, endpoint: env.kms.endpoint },
    };
    const config = parseOperatorConfig({ regions: Object.fromEntries(testRegions.map((region) => [region, settings])) });
    const client = KubeClient.load(env.kubeconfig);
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => [a, b].includes(t.metadata.name));
    const run = await auditDatabases(client, { tenants, config });
    const ours = run.checks.filter((check) => check.tenant === a || check.tenant === b);
    assert.deepEqual(
      ours.filter((check) => check.result !== 'pass').map((check) => `${check.tenant ?? ''} ${check.id} ${check.reason}: ${check.message}`),
      [],
    );
    assert.deepEqual([...new Set(ours.filter((check) => check.tenant === a).map((check) => check.id))].sort(), [
      'database.pooled-cross-read',
      'database.pooled-row-security',
      'database.pooled-schema-acl',
      'database.role',
    ]);
    assert.deepEqual(
      run.matrices.flatMap((matrix) => matrix.tenants),
      [],
    );
    assert.deepEqual([...(run.inventory.databases ?? [])].filter((name) => [a, b].includes(name)).sort(), [a, b]);
  });

  it('drops its schema and role on deletion with policy Delete, and keeps them with Retain', async function () {
    await deleteTenantsAndWait(kc, [a, b]);
    const [left] = await adminQuery<{ a: number; b: number }>(
      `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS a, (SELECT count(*)::int FROM pg_namespace WHERE nspname = $2) AS b`,
      [schemaOf(a), schemaOf(b)],
      'bulkhead_pool',
    );
    assert.deepEqual(left, { a: 0, b: 1 });
    const roles = await adminQuery<{ rolname: string; rolcanlogin: boolean }>(
      'SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname = ANY($1) ORDER BY rolname',
      [[schemaOf(a), schemaOf(b)]],
    );
    assert.deepEqual(roles, [{ rolname: schemaOf(b), rolcanlogin: false }]);
  });
});
