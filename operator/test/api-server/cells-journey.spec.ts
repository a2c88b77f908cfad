/**
 * The cells journey (issue 20): two cells, eu-1 and us-1, each a control plane of its own
 * (etcd, kube-apiserver, controller manager, scheduler, a KWOK node) with its own Bulkhead operator
 * configured with its one region only: eu-1's with eu-central-1 on eu-1's PostgreSQL server, us-1's
 * with us-east-1 on us-1's, keys in that region of the KMS emulator. Nothing is shared between the
 * cells but the onboarding API's PostgreSQL (the environment's server, which neither operator knows).
 * Through one API a tenant is onboarded in each region and is found Ready in its own cell only, with
 * its database on its region's server and its key in its region; a region without a cell is
 * refused; and with us-1's operator and API server stopped, eu-1's tenant is still read, changed
 * (and reconciled) and deleted.
 *
 * An integration spec, not an e2e one: the e2e suite holds the machine's one real node, and the
 * tenants' pods are not what this journey proves; placement, routing and each cell's operator
 * acting on its own region's servers are, and KWOK's pods let each operator see its tenant's app
 * roll out as in the environment's own cluster.
 */
import assert from 'node:assert/strict';
import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import pg from 'pg';
import { startCellControlPlane, testEnvironment, type CellControlPlane } from '@bulkhead/testenv';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { CellTenantStores } from '../../src/api-server/cells/cell-stores.js';
import { PgCellRegistry } from '../../src/api-server/cells/registry.js';
import { TenantCells } from '../../src/api-server/cells/routing.js';
import { ProblemSchema, TenantSummarySchema } from '../../src/api-server/schemas.js';
import { KubeTenantStore } from '../../src/api-server/tenant-store.js';
import { KubeClient } from '../../src/kube/client.js';
import { createLogger } from '../../src/runtime/logging.js';
import { startCellOperator } from '../support/cell-operator.js';
import { eventually } from '../support/cluster.js';
import type { OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { createTrailDatabase, type TrailDatabase } from './audit-trail-database.js';
import { cellIdentityKubeconfig } from './cell-identity.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type Reply, type RunningApi } from './support.js';

interface JourneyCell {
  name: string;
  region: string;
  plane: CellControlPlane;
  operator: OperatorProcess;
  client: KubeClient;
  tenants: KubeTenantStore;
}

const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const readyTimeoutMs = 4 * 60_000;

function expectProblem(reply: Reply, status: number, type: string): void {
  assert.equal(reply.status, status, JSON.stringify(reply.body));
  assert.equal(ProblemSchema.parse(reply.body).type, `https://bulkhead.dev/problems/${type}`);
}

/** The tenant's database login, from the Secret the operator wrote in the tenant's namespace of its cell. */
async function databaseLogin(cell: JourneyCell, tenant: string): Promise<Record<string, string> | undefined> {
  const secret = await cell.client.get<{ data?: Record<string, string> } & { metadata: { name: string } }>({
    apiVersion: 'v1',
    kind: 'Secret',
    namespace: `tenant-${tenant}`,
    name: `${tenant}-database`,
  });
  if (!secret?.data) return undefined;
  return Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}

async function databasesOn(plane: CellControlPlane): Promise<string[]> {
  const client = new pg.Client({ connectionString: plane.postgres?.url });
  await client.connect();
  try {
    return (await client.query<{ datname: string }>('SELECT datname FROM pg_database')).rows.map((row) => row.datname);
  } finally {
    await client.end();
  }
}

async function keyState(region: string, keyId: string): Promise<string> {
  const kms = new KMSClient({ region, endpoint: testEnvironment().kms.endpoint, credentials });
  try {
    return (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState ?? 'unknown';
  } catch (error) {
    if ((error as Error).name === 'NotFoundException') return 'NotFound';
    throw error;
  } finally {
    kms.destroy();
  }
}

describe('cells journey: one API, two cells each with its own operator, region and servers', function () {
  this.timeout(12 * 60_000);
  let fixture: ApiFixture;
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let cells: TenantCells;
  let api: RunningApi;
  let admin: string;
  let sales: string;
  const journey: JourneyCell[] = [];
  const cell = (name: string): JourneyCell => {
    const found = journey.find((c) => c.name === name);
    if (!found) throw new Error(`no cell ${name}`);
    return found;
  };
  const secretOf = (name: string) => ({ namespace: 'default', name: `journey-${name}-${runId}` });
  const tenantOf = { 'eu-1': `jny${runId}-eu`, 'us-1': `jny${runId}-us` };
  let keys = 0;
  const key = () => ({ 'idempotency-key': `journey-${runId}-${(keys += 1)}` });
  const summary = async (tenant: string) => {
    const read = await call(api, 'GET', `/v1/tenants/${tenant}`, { token: sales });
    assert.equal(read.status, 200, JSON.stringify(read.body));
    return TenantSummarySchema.parse(read.body);
  };

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    const env = testEnvironment();
    const planes = await Promise.all(
      ['eu-1', 'us-1'].map((name) => startCellControlPlane(`${name}-${runId}`, env.dir, { workloads: true, databaseServer: true })),
    );
    for (const [index, [name, region]] of (
      [
        ['eu-1', 'eu-central-1'],
        ['us-1', 'us-east-1'],
      ] as const
    ).entries()) {
      const plane = planes[index] as CellControlPlane;
      const client = KubeClient.load(plane.kubeconfig);
      journey.push({ name, region, plane, operator: startCellOperator(plane, region), client, tenants: new KubeTenantStore(client) });
      await fixture.client.apply(
        {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: secretOf(name),
          stringData: { kubeconfig: cellIdentityKubeconfig({ name, kubeconfig: plane.kubeconfig, kubectl: plane.kubectl }) },
        } as never,
        { fieldManager: 'cells-journey-spec' },
      );
    }
    database = await createTrailDatabase(`api_journey_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    const registry = new PgCellRegistry({ url: database.apiUrl, allowExitOnIdle: true });
    cells = new TenantCells(
      registry,
      new CellTenantStores(fixture.client, createLogger({ silent: true }), { connectTimeoutMs: 1_000, requestTimeoutMs: 5_000 }),
      fixture.tenants,
    );
    [admin, sales] = [await fixture.mint('platform-admin'), await fixture.mint('sales-ops')];
    api = await listen(fixture.deps({ auditTrail: trail, cells }));
    for (const { name, region } of journey) {
      const body = { name, regions: [region], capacity: 10, kubeconfigSecret: secretOf(name) };
      const registered = await call(api, 'POST', '/v1/cells', { token: admin, body });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
    }
  });

  afterEach(function () {
    if (this.currentTest?.state !== 'failed') return;
    for (const { name, operator } of journey) console.log(`--- operator of cell ${name}:\n${operator.output(30)}`);
  });

  after(async function () {
    await api?.close();
    await cells?.close();
    await trail?.close();
    for (const { operator, client, plane } of journey) {
      await operator.stop();
      client.close();
      await plane.stop();
    }
    for (const { name } of journey) await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...secretOf(name) });
    await fixture?.client.delete({ apiVersion: 'v1', kind: 'Secret', ...fixture.tokenSecret });
    await database?.drop();
  });

  it("onboards a tenant in each region through one API, Ready in its region's cell only", async function () {
    for (const { name, region } of journey) {
      const onboarded = await call(api, 'POST', '/v1/tenants', {
        token: sales,
        headers: key(),
        body: newTenant(tenantOf[name as 'eu-1'], { region }),
      });
      assert.equal(onboarded.status, 202, JSON.stringify(onboarded.body));
    }
    for (const { name } of journey) {
      const tenant = tenantOf[name as 'eu-1'];
      await eventually(
        `${tenant} to be Ready through the API`,
        async () => ((await summary(tenant)).ready ? true : undefined),
        readyTimeoutMs,
      );
      const other = journey.find((c) => c.name !== name) as JourneyCell;
      assert.ok(await cell(name).tenants.get(tenant), `${tenant} is in ${name}`);
      assert.equal(await other.tenants.get(tenant), undefined, `${tenant} is not in ${other.name}`);
      assert.equal(await fixture.tenants.get(tenant), undefined, `${tenant} is not in the API's own cluster`);
    }
  });

  it("puts each tenant's database on its region's server, reached with the tenant's own login", async function () {
    for (const here of journey) {
      const tenant = tenantOf[here.name as 'eu-1'];
      const other = journey.find((c) => c !== here) as JourneyCell;
      const login = await databaseLogin(here, tenant);
      assert.ok(login, `the database Secret of ${tenant} is in ${here.name}`);
      assert.equal(await databaseLogin(other, tenant), undefined, `and not in ${other.name}`);
      assert.equal(`${login.host}:${login.port}`, `${here.plane.postgres?.host}:${here.plane.postgres?.port}`);
      const client = new pg.Client({
        host: login.host,
        port: Number(login.port),
        user: login.username,
        password: login.password,
        database: login.database,
      });
      await client.connect();
      try {
        const row = (await client.query<{ who: string; db: string }>('SELECT current_user AS who, current_database() AS db')).rows[0];
        assert.deepEqual(row, { who: login.username, db: login.database });
      } finally {
        await client.end();
      }
      assert.ok((await databasesOn(here.plane)).includes(login.database ?? ''));
      assert.ok(!(await databasesOn(other.plane)).includes(login.database ?? ''), `no database of ${tenant} on ${other.name}'s server`);
    }
  });

  it("makes each tenant's key in its region of KMS, and none in the other", async function () {
    for (const here of journey) {
      const tenant = await here.tenants.get(tenantOf[here.name as 'eu-1']);
      const keyId = tenant?.status?.encryption?.keyId;
      assert.ok(keyId, `${tenant?.metadata.name} reports its key`);
      assert.match(tenant?.status?.encryption?.keyArn ?? '', new RegExp(`:kms:${here.region}:`));
      assert.equal(await keyState(here.region, keyId), 'Enabled');
      const other = journey.find((c) => c !== here) as JourneyCell;
      assert.equal(await keyState(other.region, keyId), 'NotFound', `no key ${keyId} in ${other.region}`);
    }
  });

  it('refuses a region no cell serves, naming it, and creates nothing', async function () {
    const name = `jny${runId}-ap`;
    const refused = await call(api, 'POST', '/v1/tenants', {
      token: sales,
      headers: key(),
      body: newTenant(name, { region: 'ap-south-1' }),
    });
    expectProblem(refused, 409, 'no-cell-for-region');
    assert.match(ProblemSchema.parse(refused.body).detail, /ap-south-1/);
    for (const { tenants } of journey) assert.equal(await tenants.get(name), undefined);
  });

  it("serves eu-1's tenant fully while us-1's operator and API server are stopped", async function () {
    const [eu, us] = [cell('eu-1'), cell('us-1')];
    await us.operator.stop();
    await us.plane.stopApiServer();
    expectProblem(await call(api, 'GET', `/v1/tenants/${tenantOf['us-1']}`, { token: sales }), 503, 'cell-unavailable');
    const tenant = tenantOf['eu-1'];
    assert.equal((await summary(tenant)).ready, true);
    const suspended = await call(api, 'PATCH', `/v1/tenants/${tenant}`, { token: sales, body: { suspended: true } });
    assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
    // The Suspended condition is the operator's: eu-1's operator reconciled the change.
    await eventually(
      `eu-1's operator to suspend ${tenant}`,
      async () => ((await summary(tenant)).suspension?.suspended ? true : undefined),
      readyTimeoutMs,
    );
    const deleted = await call(api, 'DELETE', `/v1/tenants/${tenant}?confirmDeletionPolicy=Retain`, { token: admin });
    assert.equal(deleted.status, 202, JSON.stringify(deleted.body));
    // Gone once eu-1's operator has finished its deletion (its finalizer) and the namespace is deleted.
    await eventually(
      `${tenant} to be gone from eu-1`,
      async () => ((await eu.tenants.get(tenant)) === undefined ? true : undefined),
      readyTimeoutMs,
    );
    expectProblem(await call(api, 'GET', `/v1/tenants/${tenant}`, { token: sales }), 404, 'not-found');
  });
});
