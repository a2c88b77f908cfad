/**
 * Cells with two real control planes: the test environment's cluster is cell eu-1 (it is also the
 * API's own cluster, holding the cells' kubeconfig Secrets and the tokens), and a second control
 * plane of its own etcd and kube-apiserver is cell us-1. One API with its PostgreSQL places each
 * tenant in its region's cell, routes reads and changes there, refuses a region without an open
 * cell, and when us-1's API server stops answers 503 for us-1's tenants only.
 *
 * Each cell is reached as the chart's cellApi identity (a token of the bulkhead-cell-api
 * ServiceAccount and nothing more), so this spec is what rbac-minimal.spec.ts sees that
 * identity use (Tenants, TenantPlans, and the TenantRestores a restore through the API makes in the
 * tenant's cell). No operator runs in either cell: the spec asserts on the objects the API created;
 * cells-journey.spec.ts runs an operator in each of two cells.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import pg from 'pg';
import { eventually, startCellControlPlane, testEnvironment, type CellControlPlane } from '@bulkhead/testenv';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { CellTenantStores } from '../../src/api-server/cells/cell-stores.js';
import { PgCellRegistry } from '../../src/api-server/cells/registry.js';
import { TenantCells } from '../../src/api-server/cells/routing.js';
import { CellListSchema, CellSummarySchema } from '../../src/api-server/cells/schemas.js';
import { RestoreSummarySchema } from '../../src/api-server/restore-schemas.js';
import { KubeRestoreStore } from '../../src/api-server/restore-store.js';
import { apiVersion } from '../../src/api/index.js';
import { ProblemSchema, TenantListSchema } from '../../src/api-server/schemas.js';
import { KubeTenantStore } from '../../src/api-server/tenant-store.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';
import { repoRoot } from '../support/cluster.js';
import { cellApiServiceAccount, recordUse } from '../support/operator-identity.js';
import { prepareCluster } from '../support/setup.js';
import { createTrailDatabase, type TrailDatabase } from './audit-trail-database.js';
import { cellIdentityKubeconfig, cellValues, kubectl } from './cell-identity.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

function expectProblem(reply: Reply, status: number, type: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  const problem = ProblemSchema.parse(reply.body);
  assert.equal(problem.type, `https://bulkhead.dev/problems/${type}`);
}

describe('cells: one onboarding API in front of two control planes', function () {
  this.timeout(5 * 60_000);
  let fixture: ApiFixture;
  let usPlane: CellControlPlane;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let registry: PgCellRegistry;
  let cells: TenantCells;
  let api: RunningApi;
  let admin: string;
  let sales: string;
  let euTenants: KubeTenantStore;
  let usTenants: KubeTenantStore;
  let usClient: KubeClient;
  const secretOf = (cell: string) => ({ namespace: 'default', name: `cell-${cell}-${runId}` });
  const tenantName = (label: string) => `cell${runId}-${label}`;
  let keys = 0;
  const key = () => ({ 'idempotency-key': `cells-${runId}-${(keys += 1)}` });
  /** TenantRestores made in the environment's cluster (eu-1), removed afterwards so no later spec's operator acts on them. */
  const euRestoresMade: string[] = [];
  const onboard = (name: string, region: string, headers = key()) =>
    call(api, 'POST', '/v1/tenants', { token: sales, headers, body: newTenant(name, { region }) });

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    const env = testEnvironment();
    usPlane = await startCellControlPlane(`us-1-${runId}`, env.dir);
    kubectl(usPlane, ['apply', '--server-side', '-f', join(repoRoot, 'crds/examples/plans')]);
    const eu = { name: 'eu-1', kubeconfig: env.kubeconfig, kubectl: env.kubectl };
    recordUse(cellApiServiceAccount, cellValues);
    for (const [cell, target] of [
      ['eu-1', eu],
      ['us-1', usPlane],
    ] as const) {
      await fixture.client.apply(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: secretOf(cell),
          stringData: { kubeconfig: cellIdentityKubeconfig(target) },
        } as never,
        { fieldManager: 'cells-spec' },
      );
    }
    euTenants = fixture.tenants;
    usClient = KubeClient.load(usPlane.kubeconfig);
    usTenants = new KubeTenantStore(usClient);
    database = await createTrailDatabase(`api_cells_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    registry = new PgCellRegistry({ url: database.apiUrl, allowExitOnIdle: true });
    const logger = createLogger({ silent: true });
    cells = new TenantCells(
      registry,
      new CellTenantStores(fixture.client, logger, { connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 }),
      fixture.tenants,
    );
    [admin, sales] = [await fixture.mint('platform-admin'), await fixture.mint('sales-ops')];
    api = await listen(fixture.deps({ auditTrail: trail, cells }));
  });

  after(async function () {
    await api?.close();
    await cells?.close();
    await trail?.close();
    for (const name of euRestoresMade) await fixture.client.delete({ apiVersion, kind: 'TenantRestore', name });
    const page = await euTenants?.list({ limit: 500 });
    for (const tenant of page?.items.filter((t) => t.metadata.name.startsWith(`cell${runId}-`)) ?? []) {
      await euTenants.delete(tenant.metadata.name, tenant.metadata.uid ?? '');
    }
    for (const cell of ['eu-1', 'us-1']) await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...secretOf(cell) });
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    usClient?.close();
    await usPlane?.stop();
    await database?.drop();
  });

  it('lets only platform admins register and list cells', async function () {
    const eu = { name: 'eu-1', regions: ['eu-central-1'], capacity: 10, kubeconfigSecret: secretOf('eu-1') };
    expectProblem(await call(api, 'POST', '/v1/cells', { token: sales, body: eu }), 403, 'forbidden');
    expectProblem(await call(api, 'GET', '/v1/cells', { token: sales }), 403, 'forbidden');
    const registered = await call(api, 'POST', '/v1/cells', { token: admin, body: eu });
    assert.equal(registered.status, 201, JSON.stringify(registered.body));
    assert.equal(CellSummarySchema.parse(registered.body).state, 'open');
    const us = { name: 'us-1', regions: ['us-east-1'], capacity: 10, kubeconfigSecret: secretOf('us-1') };
    assert.equal((await call(api, 'POST', '/v1/cells', { token: admin, body: us })).status, 201);
    expectProblem(await call(api, 'POST', '/v1/cells', { token: admin, body: us }), 409, 'cell-exists');
    const unreadable = await call(api, 'POST', '/v1/cells', {
      token: admin,
      body: { ...us, name: 'us-2', kubeconfigSecret: { namespace: 'default', name: `no-such-${runId}` } },
    });
    expectProblem(unreadable, 422, 'validation-failed');
    assert.deepEqual(
      ProblemSchema.parse(unreadable.body).errors.map((e) => `${e.field}:${e.rule}`),
      ['kubeconfigSecret:readableKubeconfig'],
    );
    const bad = await call(api, 'POST', '/v1/cells', { token: admin, body: { ...us, name: 'US_1', capacity: -1 } });
    expectProblem(bad, 422, 'validation-failed');
    assert.deepEqual(
      ProblemSchema.parse(bad.body)
        .errors.map((e) => e.field)
        .sort(),
      ['capacity', 'name'],
    );
    const listed = CellListSchema.parse((await call(api, 'GET', '/v1/cells', { token: admin })).body);
    assert.deepEqual(
      listed.items.map((c) => `${c.name}:${c.tenants}`),
      ['eu-1:0', 'us-1:0'],
    );
  });

  it("creates each tenant in its region's cell and nowhere else", async function () {
    const [eu, us] = [tenantName('eu'), tenantName('us')];
    assert.equal((await onboard(eu, 'eu-central-1')).status, 202);
    assert.equal((await onboard(us, 'us-east-1')).status, 202);
    assert.equal((await euTenants.get(eu))?.spec.region, 'eu-central-1');
    assert.equal(await usTenants.get(eu), undefined);
    assert.equal((await usTenants.get(us))?.spec.region, 'us-east-1');
    assert.equal(await euTenants.get(us), undefined);
    const read = await call(api, 'GET', `/v1/tenants/${us}`, { token: sales });
    assert.equal(read.status, 200, JSON.stringify(read.body));
  });

  it('records the placement in the same transaction as the outcome record that names the cell', async function () {
    const us = tenantName('us');
    const rows = new pg.Client({ connectionString: database.superuserUrl });
    await rows.connect();
    try {
      // The outcome record is written once the response is sent: wait for it rather than for a fixed time.
      const placement = await eventually('the placement to name its audit record', async () => {
        const result = await rows.query<{ cell: string; audit_record_id: string | null }>(
          'SELECT cell, audit_record_id FROM bulkhead_api_tenant_cells WHERE tenant = $1',
          [us],
        );
        return result.rows[0]?.audit_record_id ? result : undefined;
      });
      assert.equal(placement.rows[0]?.cell, 'us-1');
      const recordId = placement.rows[0]?.audit_record_id;
      assert.ok(recordId, 'the placement names its audit record');
      const record = await rows.query<{ phase: string; tenant: string; changes: string }>(
        'SELECT phase, tenant, changes FROM bulkhead_api_audit_trail WHERE id = $1',
        [recordId],
      );
      assert.equal(record.rows[0]?.phase, 'outcome');
      assert.equal(record.rows[0]?.tenant, us);
      assert.ok(
        (JSON.parse(record.rows[0]?.changes ?? '[]') as { field: string; value: unknown }[]).some(
          (c) => c.field === 'cell' && c.value === 'us-1',
        ),
      );
    } finally {
      await rows.end();
    }
  });

  it('commits an outcome record and its placement write together or not at all', async function () {
    const count = async () => {
      const client = new pg.Client({ connectionString: database.superuserUrl });
      await client.connect();
      try {
        return Number((await client.query<{ n: string }>('SELECT count(*) AS n FROM bulkhead_api_audit_trail')).rows[0]?.n);
      } finally {
        await client.end();
      }
    };
    const before = await count();
    const entry = {
      time: new Date(),
      phase: 'outcome' as const,
      actorId: 'token:cells-spec',
      actorRole: 'platform-admin',
      method: 'POST',
      route: '/v1/tenants',
      tenant: tenantName('atomic'),
      requestId: `cells-spec-${runId}`,
      outcome: { status: 202, problemType: null },
      changes: [{ field: 'cell', value: 'eu-1' }],
    };
    await assert.rejects(trail.append(entry, [() => Promise.reject(new Error('placement write failed'))]), /placement write failed/);
    assert.equal(await count(), before, 'the record was rolled back with the failed placement write');
  });

  it('replays a retry from the cell its first attempt chose', async function () {
    const name = tenantName('retry');
    const headers = key();
    assert.equal((await onboard(name, 'us-east-1', headers)).status, 202);
    const retry = await onboard(name, 'us-east-1', headers);
    assert.equal(retry.status, 202);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    const reused = await onboard(tenantName('other'), 'us-east-1', headers);
    expectProblem(reused, 422, 'idempotency-key-reused');
    expectProblem(await onboard(name, 'eu-central-1'), 409, 'tenant-exists');
  });

  it('refuses a region with no open cell with room, naming the region, and creates nothing', async function () {
    const name = tenantName('ap');
    const refused = await onboard(name, 'ap-south-1');
    expectProblem(refused, 409, 'no-cell-for-region');
    assert.match(ProblemSchema.parse(refused.body).detail, /ap-south-1/);
    assert.deepEqual(
      ProblemSchema.parse(refused.body).errors.map((e) => e.field),
      ['region'],
    );
    assert.equal(await euTenants.get(name), undefined);
    assert.equal(await usTenants.get(name), undefined);
    const drained = await call(api, 'PATCH', '/v1/cells/us-1', { token: admin, body: { state: 'draining' } });
    assert.equal(drained.status, 200, JSON.stringify(drained.body));
    expectProblem(await onboard(tenantName('late'), 'us-east-1'), 409, 'no-cell-for-region');
    assert.equal((await call(api, 'PATCH', '/v1/cells/us-1', { token: admin, body: { state: 'open' } })).status, 200);
  });

  it("routes changes and deletes to the tenant's cell", async function () {
    const eu = tenantName('eu');
    const us = tenantName('us');
    const changed = await call(api, 'PATCH', `/v1/tenants/${us}`, { token: sales, body: { plan: 'enterprise' } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal((await usTenants.get(us))?.spec.plan, 'enterprise');
    const deleted = await call(api, 'DELETE', `/v1/tenants/${eu}?confirmDeletionPolicy=Retain`, { token: admin });
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    assert.equal(await euTenants.get(eu), undefined);
    const listed = CellListSchema.parse((await call(api, 'GET', '/v1/cells', { token: admin })).body);
    assert.equal(listed.items.find((c) => c.name === 'eu-1')?.tenants, 0, 'a deleted tenant frees its place');
  });

  it('frees the place of a tenant whose deletion finished after the DELETE answered, on the next read', async function () {
    const name = tenantName('retry');
    const usLoad = async () =>
      CellListSchema.parse((await call(api, 'GET', '/v1/cells', { token: admin })).body).items.find((c) => c.name === 'us-1')?.tenants;
    await usTenants.mergePatch(name, { metadata: { finalizers: ['bulkhead.dev/cells-spec'] } });
    const deleting = await call(api, 'DELETE', `/v1/tenants/${name}?confirmDeletionPolicy=Retain`, { token: admin });
    assert.equal(deleting.status, 202, JSON.stringify(deleting.body));
    assert.equal(await usLoad(), 2, 'a tenant still deleting keeps its place');
    await usTenants.mergePatch(name, { metadata: { finalizers: null } });
    expectProblem(await call(api, 'GET', `/v1/tenants/${name}`, { token: sales }), 404, 'not-found');
    assert.equal(await usLoad(), 1);
  });

  it('lists the tenants of every cell, a page at a time across cells', async function () {
    const listAll = async (filter = '', limit = 1): Promise<string[]> => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 500; pages += 1) {
        const query: string = `limit=${limit}${filter}${cursor ? `&cursor=${cursor}` : ''}`;
        const page = await call(api, 'GET', `/v1/tenants?${query}`, { token: sales });
        assert.equal(page.status, 200, JSON.stringify(page.body));
        const body = TenantListSchema.parse(page.body);
        seen.push(...body.items.map((item) => item.name));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      return seen.filter((name) => name.startsWith(`cell${runId}-`));
    };
    // eu-1 holds none of this spec's tenants now (eu was deleted); us-1 holds us (retry is gone).
    assert.deepEqual(await listAll(), [tenantName('us')]);
    const eu = tenantName('eu-listed');
    assert.equal((await onboard(eu, 'eu-central-1')).status, 202);
    assert.deepEqual(await listAll(), [eu, tenantName('us')], 'eu-1 first, then us-1, one a page');
    assert.deepEqual(await listAll('', 50), [eu, tenantName('us')], 'a page spanning both cells');
    assert.deepEqual(await listAll('&region=us-east-1', 50), [tenantName('us')]);
  });

  it("makes and reads a tenant's restores in its cell, and refuses a restore across cells", async function () {
    const [us, eu] = [tenantName('us'), tenantName('eu-listed')];
    const backupId = '20261207T010000Z-0a1b2c';
    const backups = { latest: [{ id: backupId, createdAt: '2026-12-07T01:00:00Z', size: 1024 }] };
    for (const [client, name] of [
      [usClient, us],
      [fixture.client, eu],
    ] as const) {
      await client.applyStatus({ apiVersion, kind: 'Tenant', metadata: { name }, status: { backups } } as never, {
        fieldManager: 'cells-spec',
        force: true,
      });
    }
    const [usRestores, euRestores] = [new KubeRestoreStore(usClient), new KubeRestoreStore(fixture.client)];
    const restore = (name: string, body: Record<string, unknown>, token = sales) =>
      call(api, 'POST', `/v1/tenants/${name}/restores`, { token, headers: key(), body });
    for (const [name, here, elsewhere] of [
      [us, usRestores, euRestores],
      [eu, euRestores, usRestores],
    ] as const) {
      const asked = await restore(name, { backupId });
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      const id = RestoreSummarySchema.parse(asked.body).id;
      if (here === euRestores) euRestoresMade.push(id);
      assert.equal((await here.get(id))?.spec.tenant, name, "made in the tenant's cell");
      assert.equal(await elsewhere.get(id), undefined, 'and not in the other cluster');
      const read = await call(api, 'GET', `/v1/tenants/${name}/restores/${id}`, { token: sales });
      assert.equal(read.status, 200, JSON.stringify(read.body));
      assert.equal(RestoreSummarySchema.parse(read.body).backupId, backupId);
    }
    const reason = { reason: 'cells spec: refused across cells' };
    const across = await restore(eu, { backupId, fromTenant: us, crossTenantOverride: reason }, admin);
    expectProblem(across, 409, 'cross-cell-restore');
    assert.deepEqual(
      ProblemSchema.parse(across.body).errors.map((e) => `${e.field}:${e.rule}`),
      ['fromTenant:sameCell'],
    );
    assert.match(ProblemSchema.parse(across.body).detail, /us-1.*eu-1/);
  });

  it("answers 503 for a stopped cell's tenants only, quickly, and serves the other cell fully", async function () {
    const us = tenantName('us');
    const euName = tenantName('eu2');
    assert.equal((await onboard(euName, 'eu-central-1')).status, 202);
    await usPlane.stopApiServer();
    const started = Date.now();
    expectProblem(await call(api, 'GET', `/v1/tenants/${us}`, { token: sales }), 503, 'cell-unavailable');
    expectProblem(await call(api, 'PATCH', `/v1/tenants/${us}`, { token: sales, body: { suspended: true } }), 503, 'cell-unavailable');
    expectProblem(await onboard(tenantName('us2'), 'us-east-1'), 503, 'cell-unavailable');
    // The listing fails whole rather than leave us-1's tenants out silently (decision 0042).
    expectProblem(await call(api, 'GET', '/v1/tenants', { token: sales }), 503, 'cell-unavailable');
    assert.ok(Date.now() - started < 15_000, `503s took ${Date.now() - started} ms`);
    assert.equal((await call(api, 'GET', `/v1/tenants/${euName}`, { token: sales })).status, 200);
    const suspended = await call(api, 'PATCH', `/v1/tenants/${euName}`, { token: sales, body: { suspended: true } });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    assert.equal((await onboard(tenantName('eu3'), 'eu-central-1')).status, 202);
    const listed = CellListSchema.parse((await call(api, 'GET', '/v1/cells', { token: admin })).body);
    // us alone: the onboarding refused with 503 holds no place in us-1.
    assert.equal(listed.items.find((c) => c.name === 'us-1')?.tenants, 1, 'the refused onboarding holds no place in us-1');
  });
});
