/**
 * Backups and restores through the onboarding API, on the real kube-apiserver, PostgreSQL, moto
 * (KMS and S3) and the operator: the API lists the backup the plan's schedule took (and nothing of
 * where it is stored), a restore asked for by sales ops puts the rows back once the TenantRestore
 * it created succeeds, the audit trail records it, a cross-tenant override is a platform admin's
 * alone, and bad requests are refused naming the field and rule.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import type { AuditRecord } from '../../src/api-server/audit-trail/record.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { BackupListSchema, RestoreSummarySchema, type RestoreSummary } from '../../src/api-server/restore-schemas.js';
import { ProblemSchema } from '../../src/api-server/schemas.js';
import { applyObjects, eventually, isGone, readManifests, repoRoot } from '../support/cluster.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { orderCount, queryAsTenant } from '../support/tenant-database.js';
import { customObjects, deleteTenantsAndWait, group, tenantManifest, version, waitForReady } from '../support/tenants.js';
import { createTrailDatabase, recordsOfCall, type TrailDatabase } from './audit-trail-database.js';
import { apiFixture, call, listen, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

const planName = `api-backed-up-${runId}`;
const tenantA = `rs${runId}-a`;
const tenantB = `rs${runId}-b`;

function expectProblem(reply: Reply, status: number, field: string, rule?: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.match(reply.headers.get('content-type') ?? '', /^application\/problem\+json/);
  const problem = ProblemSchema.parse(reply.body);
  assert.ok(
    problem.errors.some((error) => error.field === field && (rule === undefined || error.rule === rule)),
    `no error on ${field}${rule ? ` (${rule})` : ''}: ${JSON.stringify(problem.errors)}`,
  );
}

async function restoreCount(kc: k8s.KubeConfig): Promise<number> {
  const list = (await customObjects(kc).listClusterCustomObject({ group, version, plural: 'tenantrestores' })) as { items: unknown[] };
  return list.items.length;
}

describe('backups and restores through the onboarding API', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let fixture: ApiFixture;
  let api: RunningApi;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  const tokens = { sales: '', admin: '', auditor: '' };
  let backupId = '';
  let keys = 0;
  const key = () => ({ 'idempotency-key': `restore-${runId}-${(keys += 1)}` });
  const restoresOf = (tenant: string) => `/v1/tenants/${tenant}/restores`;

  async function waitForRestore(summary: RestoreSummary): Promise<RestoreSummary> {
    return eventually(
      `restore ${summary.id} to finish`,
      async () => {
        const reply = await call(api, 'GET', summary.links.self, { token: tokens.auditor });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        const progress = RestoreSummarySchema.parse(reply.body);
        return progress.phase === 'Succeeded' || progress.phase === 'Failed' ? progress : undefined;
      },
      90_000,
    );
  }

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
    const [standard] = readManifests(`${repoRoot}/crds/examples/plans/standard.yaml`);
    const plan = standard as k8s.KubernetesObject & { spec: Record<string, unknown> };
    const backedUp = { ...plan, metadata: { name: planName }, spec: { ...plan.spec, backup: { intervalMinutes: 60, keepLast: 3 } } };
    await applyObjects(kc, [backedUp]);
    operator = startOperator({
      backups: {
        bucket: env.kms.backupBucket ?? 'bulkhead-backups',
        region: 'eu-central-1',
        endpoint: env.kms.endpoint,
        forcePathStyle: true,
        prefix: `api-spec-${process.pid}/`,
        credentialsSecret: { namespace: 'bulkhead-system', name: 'backup-credentials' },
        checkIntervalSeconds: 10,
      },
    });
    fixture = apiFixture();
    tokens.sales = await fixture.mint('sales-ops');
    tokens.admin = await fixture.mint('platform-admin');
    tokens.auditor = await fixture.mint('auditor');
    database = await createTrailDatabase(`restores_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    api = await listen(fixture.deps({ auditTrail: trail }));
    await applyObjects(kc, [tenantManifest(tenantA, { plan: planName }), tenantManifest(tenantB, { plan: planName })]);
    await waitForReady(kc, tenantA);
    await waitForReady(kc, tenantB);
    await queryAsTenant(kc, tenantA, 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await queryAsTenant(kc, tenantA, "INSERT INTO orders SELECT g, 'widget' FROM generate_series(1, 40) g");
  });

  after(async function () {
    await api?.close();
    await trail?.close();
    await database?.drop();
    const restores = (await customObjects(kc)
      .listClusterCustomObject({ group, version, plural: 'tenantrestores' })
      .catch(() => ({ items: [] }))) as { items: k8s.KubernetesObject[] };
    for (const { metadata } of restores.items.filter((restore) => restore.metadata?.name?.startsWith('restore-'))) {
      await customObjects(kc)
        .deleteClusterCustomObject({ group, version, plural: 'tenantrestores', name: metadata?.name ?? '' })
        .catch(() => undefined);
    }
    await deleteTenantsAndWait(kc, [tenantA, tenantB]);
    await customObjects(kc)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })
      .catch(() => undefined);
    await eventually('the plan to be gone', () =>
      isGone(() => customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })),
    );
    await operator?.stop();
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    fixture?.client.close();
  });

  it('lists the backup the schedule took to every role, with its id, time, size and kind and nothing of where it is stored', async function () {
    const list = await eventually(
      'a backup listed by the API',
      async () => {
        const reply = await call(api, 'GET', `/v1/tenants/${tenantA}/backups`, { token: tokens.auditor });
        assert.equal(reply.status, 200, JSON.stringify(reply.body));
        const page = BackupListSchema.parse(reply.body);
        return page.items.length > 0 ? { page, text: JSON.stringify(reply.body) } : undefined;
      },
      90_000,
    );
    const [latest] = list.page.items;
    assert.ok(latest);
    assert.deepEqual(Object.keys(latest).sort(), ['createdAt', 'id', 'kind', 'size']);
    assert.equal(latest.kind, 'Scheduled');
    assert.ok(latest.size > 0);
    assert.equal(list.page.nextCursor, null);
    assert.ok(list.page.lastAttemptAt);
    assert.doesNotMatch(list.text, /bucket|bulkhead-backups|testing|arn:|keyId|secret/i);
    backupId = latest.id;
    for (const token of [tokens.sales, tokens.admin]) {
      assert.deepEqual((await call(api, 'GET', `/v1/tenants/${tenantA}/backups?limit=1`, { token })).body, list.page);
    }
    expectProblem(await call(api, 'GET', `/v1/tenants/${tenantA}/backups?cursor=not-ours`, { token: tokens.sales }), 400, 'cursor');
    assert.equal((await call(api, 'GET', `/v1/tenants/rs${runId}-none/backups`, { token: tokens.sales })).status, 404);
  });

  it('restores the backup asked for by sales ops, once per Idempotency-Key, until the TenantRestore succeeds with the row counts', async function () {
    await queryAsTenant(kc, tenantA, 'DELETE FROM orders WHERE id > 5');
    assert.equal(await orderCount(kc, tenantA), 5);
    const headers = key();
    const asked = await call(api, 'POST', restoresOf(tenantA), { token: tokens.sales, headers, body: { backupId } });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const summary = RestoreSummarySchema.parse(asked.body);
    assert.equal(asked.headers.get('location'), summary.links.self);
    assert.deepEqual(
      [summary.tenant, summary.fromTenant, summary.backupId, summary.createdBy],
      [tenantA, tenantA, backupId, 'token:sales-ops-1'],
    );
    const retried = await call(api, 'POST', restoresOf(tenantA), { token: tokens.sales, headers, body: { backupId } });
    assert.equal(retried.status, 202);
    assert.equal(retried.headers.get('idempotent-replayed'), 'true');
    assert.equal(RestoreSummarySchema.parse(retried.body).id, summary.id, 'the retry found the first restore');
    expectProblem(
      await call(api, 'POST', restoresOf(tenantB), { token: tokens.sales, headers, body: { backupId } }),
      422,
      'Idempotency-Key',
      'mustMatchFirstRequest',
    );

    const done = await waitForRestore(summary);
    assert.equal(done.phase, 'Succeeded', done.message ?? '');
    assert.equal(done.reason, 'Restored');
    assert.deepEqual(done.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
    assert.equal(await orderCount(kc, tenantA), 40);

    const records: AuditRecord[] = await recordsOfCall(trail, asked.headers.get('x-request-id') ?? '');
    assert.deepEqual(
      records.map((record) => [record.phase, record.route, record.tenant, record.actorRole]),
      [
        ['attempt', '/v1/tenants/{name}/restores', tenantA, 'sales-ops'],
        ['outcome', '/v1/tenants/{name}/restores', tenantA, 'sales-ops'],
      ],
    );
    assert.deepEqual(records[1]?.changes, [
      { field: 'restore.id', value: summary.id },
      { field: 'restore.backupId', value: backupId },
      { field: 'restore.fromTenant', value: tenantA },
    ]);
    const replayRecords = await recordsOfCall(trail, retried.headers.get('x-request-id') ?? '');
    assert.deepEqual(replayRecords[1]?.changes, [], 'a replay changed nothing');
    // Another tenant's restore is not found under this one.
    assert.equal((await call(api, 'GET', `${restoresOf(tenantB)}/${summary.id}`, { token: tokens.auditor })).status, 404);
  });

  it("refuses sales ops another tenant's backup and the override, and lets a platform admin restore it with a recorded reason", async function () {
    const before = await restoreCount(kc);
    const reason = `INC-${runId}: customer asked to clone production into staging`;
    const refused = await call(api, 'POST', restoresOf(tenantB), {
      token: tokens.sales,
      headers: key(),
      body: { backupId, fromTenant: tenantA, crossTenantOverride: { reason } },
    });
    expectProblem(refused, 403, 'crossTenantOverride', 'forbiddenForRole');
    expectProblem(refused, 403, 'fromTenant', 'forbiddenForRole');
    expectProblem(
      await call(api, 'POST', restoresOf(tenantB), { token: tokens.admin, headers: key(), body: { backupId, fromTenant: tenantA } }),
      422,
      'crossTenantOverride',
      'requiredWithFromTenant',
    );
    assert.equal(await restoreCount(kc), before, 'no TenantRestore was created');

    const asked = await call(api, 'POST', restoresOf(tenantB), {
      token: tokens.admin,
      headers: key(),
      body: { backupId, fromTenant: tenantA, crossTenantOverride: { reason } },
    });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const done = await waitForRestore(RestoreSummarySchema.parse(asked.body));
    assert.equal(done.phase, 'Succeeded', done.message ?? '');
    assert.deepEqual([done.fromTenant, done.crossTenantOverride], [tenantA, { reason }]);
    assert.equal(await orderCount(kc, tenantB), 40);
    const [, outcome] = await recordsOfCall(trail, asked.headers.get('x-request-id') ?? '');
    assert.deepEqual(outcome?.changes?.slice(-2), [
      { field: 'restore.fromTenant', value: tenantA },
      { field: 'restore.crossTenantOverride.reason', value: reason },
    ]);
    assert.equal(outcome?.actorRole, 'platform-admin');
  });

  it('refuses a bad backup id, an unknown tenant, a caller who may not restore and a request without a key, naming the field and rule', async function () {
    const before = await restoreCount(kc);
    const ask = (tenant: string, body: unknown) => call(api, 'POST', restoresOf(tenant), { token: tokens.sales, headers: key(), body });
    expectProblem(await ask(tenantA, { backupId: 'latest' }), 422, 'backupId', 'invalid_format');
    expectProblem(await ask(tenantA, { backupId: '20200101T000000Z-000000' }), 422, 'backupId', 'listedBackup');
    expectProblem(await ask(tenantA, { backupId, fromTenant: `rs${runId}-none` }), 403, 'fromTenant', 'forbiddenForRole');
    expectProblem(await ask(tenantA, {}), 422, 'backupId');
    expectProblem(await ask(tenantA, { backupId, tenant: tenantB }), 422, 'tenant', 'unrecognized_keys');
    assert.equal((await ask(`rs${runId}-none`, { backupId })).status, 404);
    expectProblem(
      await call(api, 'POST', restoresOf(tenantA), { token: tokens.sales, body: { backupId } }),
      400,
      'Idempotency-Key',
      'required',
    );
    expectProblem(await call(api, 'POST', restoresOf(tenantA), { token: tokens.auditor, headers: key(), body: { backupId } }), 403, 'role');

    assert.equal(await restoreCount(kc), before, 'no TenantRestore was created');
  });

  it('restores into a suspended tenant, whose database nobody can write to meanwhile, and the rows are there on resume', async function () {
    await queryAsTenant(kc, tenantA, 'DELETE FROM orders WHERE id > 7');
    const suspend = await call(api, 'PATCH', `/v1/tenants/${tenantA}`, { token: tokens.sales, body: { suspended: true } });
    assert.equal(suspend.status, 200, JSON.stringify(suspend.body));
    await eventually(
      'the suspension in force',
      async () => {
        const reply = await call(api, 'GET', `/v1/tenants/${tenantA}`, { token: tokens.sales });
        return (reply.body as { suspension?: { reason?: string } | null }).suspension?.reason === 'Suspended' ? true : undefined;
      },
      90_000,
    );
    await assert.rejects(orderCount(kc, tenantA), /not permitted to log in/, "the tenant's own role may not log in");
    const asked = await call(api, 'POST', restoresOf(tenantA), { token: tokens.sales, headers: key(), body: { backupId } });
    assert.equal(asked.status, 202, JSON.stringify(asked.body));
    const done = await waitForRestore(RestoreSummarySchema.parse(asked.body));
    assert.equal(done.phase, 'Succeeded', done.message ?? '');
    assert.deepEqual(done.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
    const resume = await call(api, 'PATCH', `/v1/tenants/${tenantA}`, { token: tokens.sales, body: { suspended: false } });
    assert.equal(resume.status, 200, JSON.stringify(resume.body));
    assert.equal(await eventually('the tenant to log in again', () => orderCount(kc, tenantA).catch(() => undefined), 90_000), 40);
  });
});
