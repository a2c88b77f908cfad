/**
 * The users' journeys, end to end, against an installed platform (see support/platform.ts): sales
 * ops onboard customers through the API, they become Ready with a database, key and app of their
 * own, the auditor's report is clean and verifies, a plan change and a fleet rollout reach them,
 * and deletion keeps, snapshots or drops the data as each tenant's policy promised.
 *
 * The steps depend on each other (one fleet, one story), so a failure stops the rest.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { parse } from 'yaml';
import { OnboardingApi } from './support/api.js';
import { conditionOf, kube, readTenant, secretData, type Kube } from './support/kube.js';
import { bulkhead, eventually, platform, type Platform } from './support/platform.js';

const run = randomBytes(2)
  .toString('hex')
  .replace(/^[0-9]/, 'e');
const names = { retained: `${run}-retain`, sales: `${run}-sales`, snapshot: `${run}-snap`, dropped: `${run}-drop` };
const all = Object.values(names);
const row = `journey ${run}`;

interface RegionDatabase {
  host: string;
  port: number;
  adminSecret: { namespace: string; name: string };
}

describe('journeys of sales ops, platform engineers and auditors', function () {
  this.timeout(300_000);
  let p: Platform;
  let k: Kube;
  let sales: OnboardingApi;
  let admin: OnboardingApi;
  let region: RegionDatabase;

  before(function () {
    p = platform();
    k = kube(p.kubeconfig);
    sales = new OnboardingApi(p.apiUrl, p.salesToken);
    admin = new OnboardingApi(p.apiUrl, p.adminToken);
    const config = parse(readFileSync(p.operatorConfig, 'utf8')) as { regions: Record<string, { database: RegionDatabase }> };
    region = (config.regions['eu-central-1'] as { database: RegionDatabase }).database;
  });

  const adminConnection = async (database = 'postgres'): Promise<pg.Client> => {
    const login = await secretData(k, region.adminSecret.namespace, region.adminSecret.name);
    const client = new pg.Client({ host: region.host, port: region.port, user: login.username, password: login.password, database });
    await client.connect();
    return client;
  };

  it('sales ops onboard two customers, and may not choose a destructive deletion policy', async function () {
    for (const name of [names.retained, names.sales]) {
      const reply = await sales.call('POST', '/v1/tenants', {
        name,
        displayName: `Customer ${name}`,
        plan: 'standard',
        region: 'eu-central-1',
        owners: [{ kind: 'Group', name: `${name}-admins` }],
      });
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
      assert.equal(reply.headers.get('location'), `/v1/tenants/${name}`);
    }
    const refused = await sales.call('POST', '/v1/tenants', {
      name: `${run}-nope`,
      displayName: 'Nope',
      plan: 'standard',
      region: 'eu-central-1',
      owners: [{ kind: 'Group', name: 'nope-admins' }],
      database: { deletionPolicy: 'Delete' },
    });
    assert.equal(refused.status, 403);
    assert.match(JSON.stringify(refused.body), /database\.deletionPolicy/);
    assert.equal(await readTenant(k, `${run}-nope`), undefined, 'a refused request creates nothing');
  });

  it('a platform admin onboards two more, one to be snapshotted and one to be dropped on deletion', async function () {
    for (const [name, deletionPolicy] of [
      [names.snapshot, 'Snapshot'],
      [names.dropped, 'Delete'],
    ] as const) {
      const reply = await admin.call('POST', '/v1/tenants', {
        name,
        displayName: `Customer ${name}`,
        plan: 'standard',
        region: 'eu-central-1',
        owners: [{ kind: 'Group', name: `${name}-admins` }],
        database: { deletionPolicy },
      });
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
    }
  });

  it('every tenant becomes Ready, as the API reports it, with a database, a key and the app of its own', async function () {
    for (const name of all) {
      await eventually(`${name} ready in the API`, async () => {
        const reply = await sales.get(`/v1/tenants/${name}`);
        return (reply.body as { ready?: boolean }).ready === true ? reply : undefined;
      });
      const tenant = await readTenant(k, name);
      assert.equal(tenant?.status?.app?.version, '1.4.2');
      assert.match(tenant?.status?.encryption?.keyId ?? '', /^[0-9a-f-]{36}$/);
      assert.equal(tenant?.status?.encryption?.alias, `alias/bulkhead/${name}`);
    }
    const keys = new Set<string>();
    for (const name of all) keys.add((await readTenant(k, name))?.status?.encryption?.keyId ?? '');
    assert.equal(keys.size, all.length, 'no two tenants share a key');
  });

  it("each tenant's credentials open its own database and no other tenant's", async function () {
    const credentials = await Promise.all(all.map((name) => secretData(k, `tenant-${name}`, `${name}-database`)));
    for (const [index, own] of credentials.entries()) {
      const client = new pg.Client({ connectionString: own.uri });
      await client.connect();
      await client.query('create table if not exists journal (entry text)');
      await client.query('insert into journal (entry) values ($1)', [row]);
      await client.end();
      const other = credentials[(index + 1) % credentials.length] as Record<string, string>;
      const intruder = new pg.Client({
        host: own.host,
        port: Number(own.port),
        user: own.username,
        password: own.password,
        database: other.database,
      });
      await assert.rejects(intruder.connect(), /permission denied for database|not permitted|pg_hba/);
      await intruder.end().catch(() => undefined);
    }
  });

  it("the auditor's report is clean for the new tenants, signed, and verifies", async function () {
    const out = mkdtempSync(join(tmpdir(), 'bulkhead-e2e-audit-'));
    const result = await bulkhead(['audit', '--format', 'json', '--out', join(out, 'report.json')], {
      KUBECONFIG: p.kubeconfig,
      BULKHEAD_CONFIG: p.operatorConfig,
    });
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
      checks: { tenant?: string; result: string; id: string; reason: string }[];
    };
    const findings = report.checks.filter((check) => check.result !== 'pass' && all.includes(check.tenant ?? ''));
    assert.deepEqual(findings, [], "no finding about the journey's tenants");
    for (const name of all) assert.ok(report.checks.filter((check) => check.tenant === name).length >= 10, `${name} was checked`);
    assert.ok([0, 1].includes(result.code), result.stderr);
    const verified = await bulkhead(['audit', 'verify', join(out, 'report.json'), '--public-key', p.auditPublicKey]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
  });

  it("the operator's periodic audit marks each tenant IsolationVerified, and the API serves its report to the auditor", async function () {
    for (const name of all) {
      await eventually(
        `${name} IsolationVerified`,
        async () => (conditionOf(await readTenant(k, name), 'IsolationVerified')?.status === 'True' ? true : undefined),
        240_000,
      );
    }
    const report = await eventually(
      "a published report that covers the journey's tenants",
      async () => {
        const response = await fetch(`${p.apiUrl}/v1/audit/report`, { headers: { authorization: `Bearer ${p.auditorToken}` } });
        const text = await response.text();
        return response.status === 200 && all.every((name) => text.includes(`"tenant":"${name}"`)) ? text : undefined;
      },
      240_000,
    );
    const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-e2e-served-')), 'report.json');
    writeFileSync(file, report);
    const verified = await bulkhead(['audit', 'verify', file, '--public-key', p.auditPublicKey]);
    assert.equal(verified.code, 0, 'the served report is byte for byte what the operator signed: ' + verified.stdout + verified.stderr);
    assert.equal((await sales.get('/v1/audit/report')).status, 403, 'sales ops do not read audit evidence');
  });

  it("a plan change by sales ops reaches the tenant's quota", async function () {
    const reply = await sales.call('PATCH', `/v1/tenants/${names.sales}`, { plan: 'enterprise' });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const plan = (await k.custom.getClusterCustomObject({
      group: 'bulkhead.dev',
      version: 'v1alpha1',
      plural: 'tenantplans',
      name: 'enterprise',
    })) as {
      spec: { quota: { cpu: string } };
    };
    await eventually('the enterprise quota', async () => {
      const quota = await k.core
        .readNamespacedResourceQuota({ namespace: `tenant-${names.sales}`, name: 'tenant-quota' })
        .catch(() => undefined);
      return quota?.spec?.hard?.['limits.cpu'] === plan.spec.quota.cpu || quota?.spec?.hard?.['requests.cpu'] === plan.spec.quota.cpu
        ? quota
        : undefined;
    });
  });

  it('a fleet rollout moves the tenants to the next version', async function () {
    const rollout = `e2e-${run}`;
    await k.custom.createClusterCustomObject({
      group: 'bulkhead.dev',
      version: 'v1alpha1',
      plural: 'rollouts',
      body: {
        apiVersion: 'bulkhead.dev/v1alpha1',
        kind: 'Rollout',
        metadata: { name: rollout },
        spec: { version: '1.5.0', selector: { plans: ['standard'] }, maxConcurrent: 2 },
      },
    });
    try {
      for (const name of [names.retained, names.snapshot, names.dropped]) {
        await eventually(
          `${name} on 1.5.0`,
          async () => {
            const tenant = await readTenant(k, name);
            return tenant?.status?.app?.version === '1.5.0' && conditionOf(tenant, 'Ready')?.status === 'True' ? tenant : undefined;
          },
          180_000,
        );
      }
    } finally {
      await k.custom.deleteClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'rollouts', name: rollout });
    }
  });

  it("deletion keeps the data (Retain), snapshots it (Snapshot) or drops it (Delete), as each tenant's policy promised", async function () {
    for (const [name, policy] of [
      [names.retained, 'Retain'],
      [names.snapshot, 'Snapshot'],
      [names.dropped, 'Delete'],
    ] as const) {
      const wrong = await admin.call('DELETE', `/v1/tenants/${name}?confirmDeletionPolicy=${policy === 'Delete' ? 'Retain' : 'Delete'}`);
      assert.equal(wrong.status, 409, `deleting ${name} must name its own policy: ${JSON.stringify(wrong.body)}`);
      const reply = await admin.call('DELETE', `/v1/tenants/${name}?confirmDeletionPolicy=${policy}`);
      assert.equal(reply.status, 202, JSON.stringify(reply.body));
    }
    for (const name of [names.retained, names.snapshot, names.dropped])
      await eventually(`${name} gone`, async () => ((await readTenant(k, name)) === undefined ? true : undefined));

    const admin0 = await adminConnection();
    try {
      const databases = (await admin0.query<{ datname: string }>('select datname from pg_database')).rows.map((r) => r.datname);
      assert.ok(databases.includes(`tenant_${names.retained.replaceAll('-', '_')}`), 'Retain keeps the database');
      assert.ok(!databases.includes(`tenant_${names.snapshot.replaceAll('-', '_')}`), 'Snapshot drops the database after the dump');
      assert.ok(!databases.includes(`tenant_${names.dropped.replaceAll('-', '_')}`), 'Delete drops the database');
    } finally {
      await admin0.end();
    }
    const retained = await adminConnection(`tenant_${names.retained.replaceAll('-', '_')}`);
    try {
      assert.deepEqual((await retained.query('select entry from journal')).rows, [{ entry: row }], 'the retained data is intact');
    } finally {
      await retained.end();
    }
    const events = await k.core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${names.snapshot}` });
    const snapshotted = events.items.find((event) => event.reason === 'DatabaseSnapshotted');
    assert.ok(snapshotted, 'an Event says where the snapshot went');
    const file = /written to (\S+\.dump)/.exec(snapshotted.message ?? '')?.[1];
    assert.ok(file, snapshotted.message);
    // Only on the machine the operator runs on can the journey look at the file itself.
    if (existsSync(file)) assert.ok(readFileSync(file).length > 0);
  });

  after(async function () {
    // Leave nothing behind when a step failed half way (the sales tenant is deleted here in any case).
    if (!p) return;
    for (const name of all) {
      const tenant = await readTenant(k, name).catch(() => undefined);
      if (tenant)
        await admin.call(
          'DELETE',
          `/v1/tenants/${name}?confirmDeletionPolicy=${(tenant as { spec: { database?: { deletionPolicy?: string } } }).spec.database?.deletionPolicy ?? 'Retain'}`,
        );
    }
  });
});
