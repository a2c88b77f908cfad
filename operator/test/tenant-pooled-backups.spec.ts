/**
 * Backups of pooled tenants through the operator (docs/decisions/0055), on the real kube-apiserver,
 * PostgreSQL and moto (KMS and S3): a pooled plan's schedule backs its tenants up; a TenantRestore
 * puts A's schema and shared rows back and leaves B's rows as B changed them; A's backup restored
 * into B is refused (RestoreTierMismatch) with nothing of B changed; and deleting A with
 * deletionPolicy Snapshot leaves a complete Deletion backup in the store and nothing of A in the pool.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { schemaName } from '../src/api/names.js';
import { ObjectStore, TenantBackups } from '../src/providers/backup/index.js';
import { KmsSession } from '../src/providers/kms/kms-session.js';
import { createLogger } from '../src/runtime/logging.js';
import { storeEndpoint } from './providers/support/backups.js';
import { kmsEndpoint } from './providers/support/kms.js';
import { adminQuery, adminServer, runId } from './providers/support/postgres.js';
import { applyObjects, eventually, isGone, readManifests, repoRoot } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { queryAsTenant } from './support/tenant-database.js';
import { customObjects, deleteTenantsAndWait, group, readTenant, tenantManifest, version, waitForReady } from './support/tenants.js';

const planName = 'pooled-backed-up';
const prefix = `pooled-backups-spec-${process.pid}/`;
const sharedTable = 'bulkhead_shared.tenant_settings';

interface RestoreObject extends k8s.KubernetesObject {
  status?: { phase?: string; reason?: string; message?: string };
}

async function restoreAndWait(kc: k8s.KubeConfig, name: string, spec: Record<string, unknown>): Promise<RestoreObject> {
  await applyObjects(kc, [{ apiVersion: `${group}/${version}`, kind: 'TenantRestore', metadata: { name }, spec } as k8s.KubernetesObject]);
  return eventually(
    `TenantRestore ${name} to finish`,
    async () => {
      const restore = (await customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenantrestores', name })) as RestoreObject;
      return restore.status?.phase === 'Succeeded' || restore.status?.phase === 'Failed' ? restore : undefined;
    },
    90_000,
  );
}

/** What the tenant sees with its own login: its orders (-1 without the table) and its shared rows. */
async function rowsOf(kc: k8s.KubeConfig, tenant: string): Promise<{ orders: number; shared: Record<string, string> }> {
  const [table] = await queryAsTenant(kc, tenant, "SELECT to_regclass('orders') IS NOT NULL AS present");
  const orders = table?.present === true ? Number((await queryAsTenant(kc, tenant, 'SELECT count(*)::int AS n FROM orders'))[0]?.n) : -1;
  const shared = await queryAsTenant(kc, tenant, `SELECT key, value FROM ${sharedTable} ORDER BY key`);
  return { orders, shared: Object.fromEntries(shared.map((row) => [row.key as string, row.value as string])) };
}

describe('backups of pooled tenants, through the operator', function () {
  const a = `pbo-a-${runId}`;
  const b = `pbo-b-${runId}`;
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let backups: TenantBackups;
  let backupId = '';

  before(async function () {
    const env = testEnvironment();
    kc = await prepareCluster();
    await kc
      .makeApiClient(k8s.CoreV1Api)
      .createNamespacedSecret({
        namespace: 'bulkhead-system',
        body: { metadata: { name: 'backup-credentials' }, stringData: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
      })
      .catch(() => undefined);
    const [pooled] = readManifests(`${repoRoot}/crds/examples/plans/pooled.yaml`);
    const spec = {
      ...((pooled as { spec?: Record<string, unknown> } | undefined)?.spec ?? {}),
      backup: { intervalMinutes: 60, keepLast: 3 },
    };
    await applyObjects(kc, [{ ...pooled, metadata: { name: planName }, spec } as k8s.KubernetesObject]);
    operator = startOperator({
      backups: {
        bucket: env.kms.backupBucket ?? 'bulkhead-backups',
        region: 'eu-central-1',
        endpoint: env.kms.endpoint,
        forcePathStyle: true,
        prefix,
        credentialsSecret: { namespace: 'bulkhead-system', name: 'backup-credentials' },
        checkIntervalSeconds: 10,
      },
    });
    await applyObjects(kc, [
      tenantManifest(a, { plan: planName, database: { deletionPolicy: 'Snapshot' } }),
      tenantManifest(b, { plan: planName, database: { deletionPolicy: 'Delete' } }),
    ]);
    await waitForReady(kc, a);
    await waitForReady(kc, b);
    for (const [tenant, orders] of [
      [a, 40],
      [b, 12],
    ] as const) {
      await queryAsTenant(kc, tenant, 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
      await queryAsTenant(kc, tenant, `INSERT INTO orders SELECT g, 'widget' FROM generate_series(1, ${orders}) g`);
      await queryAsTenant(kc, tenant, `INSERT INTO ${sharedTable} (key, value) VALUES ('plan', 'gold of ${tenant}')`);
    }
    const logger = createLogger({ silent: true });
    backups = new TenantBackups({
      store: new ObjectStore(storeEndpoint()),
      prefix,
      kms: KmsSession.open(kmsEndpoint(), { logger }),
      server: adminServer(),
      workDir: '/tmp',
      timeoutMillis: 60_000,
      logger,
    });
  });

  after(async function () {
    const restores = (await customObjects(kc)
      .listClusterCustomObject({ group, version, plural: 'tenantrestores' })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    for (const { metadata } of restores.items) {
      await customObjects(kc)
        .deleteClusterCustomObject({ group, version, plural: 'tenantrestores', name: metadata?.name ?? '' })
        .catch(() => undefined);
    }
    await deleteTenantsAndWait(kc, [a, b]).catch(() => undefined);
    await customObjects(kc)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })
      .catch(() => undefined);
    await eventually('the plan to be gone', () =>
      isGone(() => customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })),
    );
    backups?.close();
    await operator?.stop();
  });

  it("backs a pooled tenant up on its plan's schedule and lists the backup in its status", async function () {
    const latest = await eventually(
      `a backup of ${a} taken after its rows were written`,
      async () => {
        const tenant = await readTenant(kc, a);
        const uid = tenant.metadata?.uid ?? '';
        const listed = ((tenant.status as { backups?: { latest?: { id: string }[] } }).backups?.latest ?? [])[0];
        if (listed === undefined) return undefined;
        const manifest = await backups.manifest({ tenant: a, tenantUid: uid }, listed.id);
        return manifest.tables.some((table) => table.table === 'orders') ? manifest : undefined;
      },
      120_000,
    );
    assert.deepEqual(latest.pooled, { schema: schemaName({ metadata: { name: a } }), role: schemaName({ metadata: { name: a } }) });
    assert.deepEqual(
      latest.tables.map((table) => [table.table, table.rows]),
      [
        ['orders', 40],
        ['tenant_settings', 1],
      ],
    );
    backupId = latest.backupId;
  });

  it("restores A's schema and shared rows with a TenantRestore, and leaves B's rows as B changed them", async function () {
    await queryAsTenant(kc, a, 'DELETE FROM orders WHERE id > 3');
    await queryAsTenant(kc, a, `UPDATE ${sharedTable} SET value = 'bronze'`);
    await queryAsTenant(kc, b, 'DELETE FROM orders WHERE id > 10');
    await queryAsTenant(kc, b, `UPDATE ${sharedTable} SET value = 'platinum'`);
    const restore = await restoreAndWait(kc, `${a}-restore`, { tenant: a, backup: { id: backupId } });
    assert.equal(restore.status?.phase, 'Succeeded', restore.status?.message);
    assert.deepEqual(await rowsOf(kc, a), { orders: 40, shared: { plan: `gold of ${a}` } });
    assert.deepEqual(await rowsOf(kc, b), { orders: 10, shared: { plan: 'platinum' } }, "B's rows are untouched");
  });

  it("refuses A's backup into B before anything is opened, naming the field, and changes nothing of B", async function () {
    const restore = await restoreAndWait(kc, `${b}-from-a`, {
      tenant: b,
      backup: { id: backupId, fromTenant: a },
      crossTenantOverride: { reason: 'the spec checks the tier refusal' },
    });
    assert.equal(restore.status?.phase, 'Failed');
    assert.equal(restore.status?.reason, 'RestoreTierMismatch');
    assert.match(restore.status?.message ?? '', /spec\.backup\.fromTenant must equal spec\.tenant/);
    assert.deepEqual(await rowsOf(kc, b), { orders: 10, shared: { plan: 'platinum' } });
  });

  it('deletes A with deletionPolicy Snapshot: a complete Deletion backup is stored, and nothing of A is left in the pool', async function () {
    const uid = (await readTenant(kc, a)).metadata?.uid ?? '';
    await deleteTenantsAndWait(kc, [a]);
    const listed = await backups.list({ tenant: a, tenantUid: uid });
    const deletion = listed.find((backup) => backup.reason === 'Deletion');
    assert.ok(deletion, `a Deletion backup among ${JSON.stringify(listed)}`);
    const manifest = await backups.manifest({ tenant: a, tenantUid: uid }, deletion.id);
    assert.equal(manifest.tables.find((table) => table.table === 'orders')?.rows, 40);
    const role = schemaName({ metadata: { name: a } });
    const [left] = await adminQuery<{ schemas: number; rows: number; roles: number }>(
      `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
              (SELECT count(*)::int FROM ${sharedTable} WHERE tenant = $1) AS rows,
              (SELECT count(*)::int FROM pg_roles WHERE rolname = $1) AS roles`,
      [role],
      'bulkhead_pool',
    );
    assert.deepEqual(left, { schemas: 0, rows: 0, roles: 0 });
    assert.deepEqual(await rowsOf(kc, b), { orders: 10, shared: { plan: 'platinum' } });
  });
});
