/**
 * `bulkhead audit`'s guardrails, database and key parts against the real control plane, PostgreSQL
 * and the KMS emulator, with the operator running: three Ready tenants pass every check, and each
 * sabotage (a deleted quota, a removed Pod Security label, a cross-tenant GRANT CONNECT, two
 * tenants' aliases on one key) is found for the right tenant with the right reason, and only it.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { KMSClient, UpdateAliasCommand } from '@aws-sdk/client-kms';
import { testEnvironment, type Environment } from '@bulkhead/testenv';
import { roleName } from '../../src/api/names.js';
import { parseOperatorConfig, type OperatorConfig } from '../../src/api/operator-config.js';
import type { Tenant } from '../../src/api/tenant.js';
import type { TenantPlan } from '../../src/api/tenant-plan.js';
import { auditDatabases, auditKeys, type DatabaseAuditResult } from '../../src/audit/data/index.js';
import { auditGuardrails } from '../../src/audit/guardrails/index.js';
import type { AuditCheck, InputObject } from '../../src/audit/model.js';
import { KubeClient } from '../../src/kube/client.js';
import { buildResourceQuota } from '../../src/resources/quota.js';
import { applyObjects } from '../support/cluster.js';
import { startOperator, testAccountId, testRegions, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';
import { startCountingProxy } from './counting-proxy.js';

const names = ['audit-a', 'audit-b', 'audit-c'];
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** The configuration startOperator writes, parsed as the audit command parses BULKHEAD_CONFIG. */
function operatorConfig(env: Environment): OperatorConfig {
  const settings = {
    database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
    kms: {
      accountId: testAccountId,
      endpoint: env.kms.endpoint,
      credentialsSecret: { namespace: 'bulkhead-system', name: 'kms-credentials' },
    },
  };
  return parseOperatorConfig({ regions: Object.fromEntries(testRegions.map((region) => [region, settings])) });
}

interface AuditRun {
  checks: AuditCheck[];
  inputs: InputObject[];
  matrices: DatabaseAuditResult['matrices'];
  inventory: { databases: string[] | null; keyAliases: string[] | null };
}

/** A finding as `tenant id reason`, to compare sets of findings. */
const finding = (check: AuditCheck): string => `${check.tenant ?? '(fleet)'} ${check.id} ${check.reason}`;

async function adminQuery(env: Environment, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: env.postgres.url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

describe('bulkhead audit: guardrails, databases and keys', function () {
  let env: Environment;
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let config: OperatorConfig;
  let operator: OperatorProcess | undefined;

  /** Runs the three parts on every Tenant in the cluster, as the audit command does. */
  async function audit(): Promise<AuditRun> {
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items;
    const plans = (await client.list<TenantPlan>('bulkhead.dev/v1alpha1', 'TenantPlan')).items;
    const guardrails = await auditGuardrails(client, { tenants, plans, config });
    const databases = await auditDatabases(client, { tenants, config });
    const keys = await auditKeys(client, { tenants, config });
    return {
      checks: [...guardrails.checks, ...databases.checks, ...keys.checks],
      inputs: [...guardrails.inputs, ...databases.inputs, ...keys.inputs],
      matrices: databases.matrices,
      inventory: { ...databases.inventory, ...keys.inventory },
    };
  }

  /** Findings about this spec's tenants (other specs' tenants and databases may share the servers). */
  const findings = (run: AuditRun): string[] =>
    run.checks
      .filter((check) => check.result !== 'pass' && check.tenant !== undefined && names.includes(check.tenant))
      .map(finding)
      .sort();

  /** What the fleet-wide orphan check lists as belonging to no Tenant. */
  const unaccounted = (run: AuditRun): string[] => {
    const orphans = run.checks.filter((check) => check.id === 'database.orphans');
    assert.equal(orphans.length, 1, 'both test regions share one server, so there is one orphan check');
    return (orphans[0]?.evidence as { unaccounted: string[] }).unaccounted;
  };

  const keyIdOf = async (name: string): Promise<string> =>
    ((await readTenant(kc, name)).status as { encryption?: { keyId?: string } }).encryption?.keyId ?? '';

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
    client = KubeClient.load(env.kubeconfig);
    config = operatorConfig(env);
    operator = startOperator();
    await applyObjects(
      kc,
      names.map((name) => tenantManifest(name)),
    );
    for (const name of names) await waitForReady(kc, name);
  });

  after(async function () {
    operator ??= startOperator();
    await deleteTenantsAndWait(kc, names);
    await operator.stop();
    client.close();
  });

  it('passes every check for three Ready tenants, with a 3×3 login matrix in which only the diagonal logs in', async function () {
    const run = await audit();
    assert.deepEqual(findings(run), []);
    for (const name of names) {
      const ids = run.checks
        .filter((check) => check.tenant === name)
        .map((check) => check.id)
        .sort();
      assert.deepEqual(ids, [
        'database.acl',
        'database.cross-tenant-login',
        'database.own-login',
        'database.ownership-marker',
        'database.role',
        'guardrails.default-service-account',
        'guardrails.limit-range',
        'guardrails.namespace',
        'guardrails.pod-security',
        'guardrails.resource-quota',
        'key.alias',
        'key.encryption-context',
        'key.exclusive',
        'key.policy',
        'key.rotation',
        'key.state',
        'key.tags',
      ]);
    }
    assert.deepEqual(
      unaccounted(run).filter((entry) => entry.includes('audit')),
      [],
    );
    assert.deepEqual(run.inventory.databases?.filter((name) => names.includes(name)).sort(), names);
    assert.deepEqual(run.inventory.keyAliases?.filter((name) => names.includes(name)).sort(), names);
    const cells = run.matrices
      .flatMap((matrix) => matrix.cells)
      .filter((cell) => names.includes(cell.credentials) && names.includes(cell.database));
    assert.equal(cells.length, 9);
    assert.deepEqual(
      cells
        .filter((cell) => cell.outcome === 'allowed')
        .map((cell) => `${cell.credentials}>${cell.database}`)
        .sort(),
      ['audit-a>audit-a', 'audit-b>audit-b', 'audit-c>audit-c'],
    );
    assert.ok(
      cells.filter((cell) => cell.credentials !== cell.database).every((cell) => cell.outcome === 'refused' && cell.sqlState === '42501'),
      JSON.stringify(cells),
    );
    const context = run.checks.find((check) => check.id === 'key.encryption-context' && check.tenant === 'audit-a');
    assert.equal((context?.evidence as { exercised?: boolean }).exercised, true, 'the encryption context probe was not exercised');
  });

  it('names every object it read by uid and resourceVersion, and puts no password in its result', async function () {
    const run = await audit();
    const namespace = await kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'tenant-audit-b' });
    const input = run.inputs.find((entry) => entry.kind === 'Namespace' && entry.name === 'tenant-audit-b');
    assert.deepEqual(input && { uid: input.uid, resourceVersion: input.resourceVersion }, {
      uid: namespace.metadata?.uid,
      resourceVersion: namespace.metadata?.resourceVersion,
    });
    assert.ok(
      run.inputs.some((entry) => entry.kind === 'Secret' && entry.namespace === 'tenant-audit-a' && entry.name === 'audit-a-database'),
    );
    const secret = await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: 'tenant-audit-a', name: 'audit-a-database' });
    const password = Buffer.from(secret.data?.password ?? '', 'base64').toString();
    assert.ok(password.length >= 32);
    const text = JSON.stringify(run);
    assert.ok(!text.includes(password), 'a tenant password appears in the audit result');
    assert.ok(!text.includes(env.postgres.password), 'the admin password appears in the audit result');
  });

  it('reports a database server or KMS it cannot reach as errors, never as passes', async function () {
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => names.includes(t.metadata.name));
    const closed = structuredClone(config);
    for (const settings of Object.values(closed.regions)) {
      settings.database.port = 1;
      settings.kms.endpoint = 'http://127.0.0.1:1';
    }
    const databases = await auditDatabases(client, { tenants, config: closed, connectionTimeoutMillis: 2_000 });
    const keys = await auditKeys(client, { tenants, config: closed });
    const checks = [...databases.checks, ...keys.checks];
    assert.ok(checks.length >= names.length * 2);
    assert.deepEqual([...new Set(checks.map((check) => `${check.result} ${check.reason}`))].sort(), [
      'error DatabaseUnreachable',
      'error KeyProviderUnavailable',
    ]);
    assert.equal(databases.inventory.databases, null);
    assert.equal(keys.inventory.keyAliases, null);
  });

  it("reads each server's catalog once, on one session closed before the logins, which run at most four at once, and is not timed out by its own event loop being held", async function () {
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => names.includes(t.metadata.name));
    const tenantRoles = new Set(names.map((name) => roleName({ metadata: { name } })));
    // The catalog's session and the first login each hold the loop 2.5 times the connect timeout.
    const proxy = await startCountingProxy(env.postgres, (user, index) =>
      user === env.postgres.user || (tenantRoles.has(user) && index === 1) ? 2_500 : 0,
    );
    try {
      const proxied = structuredClone(config);
      for (const settings of Object.values(proxied.regions)) Object.assign(settings.database, { host: '127.0.0.1', port: proxy.port });
      const run = await auditDatabases(client, { tenants, config: proxied, connectionTimeoutMillis: 1_000 });
      const notPassed = run.checks.filter((check) => check.result !== 'pass').map((check) => `${finding(check)}: ${check.message}`);
      assert.deepEqual(notPassed, []);
      const cells = run.matrices.flatMap((matrix) => matrix.cells);
      assert.equal(cells.length, 9);
      const admin = proxy.sessions.filter((session) => session.user === env.postgres.user);
      const logins = proxy.sessions.filter((session) => tenantRoles.has(session.user));
      assert.equal(admin.length, 1, 'one catalog session for the one server both regions name');
      assert.equal(logins.length, 9, 'one session per login tried');
      assert.equal(proxy.sessions.length, 10);
      assert.ok(
        (admin[0]?.closed ?? Infinity) <= Math.min(...logins.map((session) => session.opened)),
        'the catalog session was still open',
      );
      assert.ok(proxy.peak <= 4, `${proxy.peak} sessions at once`);
    } finally {
      await proxy.close();
    }
  });

  describe("with the operator stopped, so that nothing is repaired behind the audit's back", function () {
    before(async function () {
      await operator?.stop();
      operator = undefined;
    });

    it("finds tenant B's deleted ResourceQuota", async function () {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      await core.deleteNamespacedResourceQuota({ namespace: 'tenant-audit-b', name: 'tenant-quota' });
      assert.deepEqual(findings(await audit()), ['audit-b guardrails.resource-quota QuotaMissing']);
      // Put back what the operator would apply, from the operator's own builder.
      const tenant = await readTenant(kc, 'audit-b');
      const plan = (await client.get<TenantPlan>({ apiVersion: 'bulkhead.dev/v1alpha1', kind: 'TenantPlan', name: 'standard' }))!;
      await client.apply(buildResourceQuota({ name: 'audit-b', uid: tenant.metadata?.uid ?? '' }, 'tenant-audit-b', plan.spec.quota), {
        fieldManager: 'bulkhead',
      });
      assert.deepEqual(findings(await audit()), []);
    });

    it("finds tenant C's removed Pod Security enforce label", async function () {
      const core = kc.makeApiClient(k8s.CoreV1Api);
      await core.patchNamespace(
        { name: 'tenant-audit-c', body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': null } } } },
        mergePatch,
      );
      assert.deepEqual(findings(await audit()), ['audit-c guardrails.pod-security PodSecurityLabelMissing']);
      await core.patchNamespace(
        { name: 'tenant-audit-c', body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } },
        mergePatch,
      );
      assert.deepEqual(findings(await audit()), []);
    });

    it("finds tenant B's database granting CONNECT to tenant A's role, in the login matrix and in the ACL", async function () {
      await adminQuery(env, 'GRANT CONNECT ON DATABASE "tenant_audit_b" TO "tenant_audit_a"');
      try {
        const run = await audit();
        assert.deepEqual(findings(run), [
          'audit-b database.acl DatabaseAclGrantsOthers',
          'audit-b database.cross-tenant-login CrossTenantConnectionAllowed',
        ]);
        const cell = run.matrices.flatMap((matrix) => matrix.cells).find((c) => c.credentials === 'audit-a' && c.database === 'audit-b');
        assert.equal(cell?.outcome, 'allowed');
        const acl = run.checks.find((check) => check.id === 'database.acl' && check.tenant === 'audit-b');
        assert.match(acl?.message ?? '', /CONNECT to tenant_audit_a/);
      } finally {
        await adminQuery(env, 'REVOKE CONNECT ON DATABASE "tenant_audit_b" FROM "tenant_audit_a"');
      }
      assert.deepEqual(findings(await audit()), []);
    });

    it("finds two tenants sharing a key when B's alias is pointed at A's key", async function () {
      const kms = new KMSClient({
        endpoint: env.kms.endpoint,
        region: 'eu-central-1',
        credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      });
      const [keyA, keyB] = [await keyIdOf('audit-a'), await keyIdOf('audit-b')];
      await kms.send(new UpdateAliasCommand({ AliasName: 'alias/bulkhead/audit-b', TargetKeyId: keyA }));
      try {
        const run = await audit();
        assert.deepEqual(findings(run), [
          'audit-a key.alias KeyHasOtherAliases',
          'audit-a key.exclusive KeySharedWithTenant',
          'audit-b key.alias AliasPointsElsewhere',
          'audit-b key.exclusive KeySharedWithTenant',
        ]);
        const shared = run.checks.find((check) => check.id === 'key.exclusive' && check.tenant === 'audit-a');
        assert.match(shared?.message ?? '', new RegExp(`key ${keyA} is also tenant audit-b's`));
      } finally {
        await kms.send(new UpdateAliasCommand({ AliasName: 'alias/bulkhead/audit-b', TargetKeyId: keyB }));
        kms.destroy();
      }
      assert.deepEqual(findings(await audit()), []);
    });

    it('reports a tenant-like role that belongs to no Tenant as an orphan of its server', async function () {
      await adminQuery(env, 'CREATE ROLE "tenant_audit_stray" LOGIN');
      try {
        const run = await audit();
        assert.ok(unaccounted(run).includes('role tenant_audit_stray (can log in)'), JSON.stringify(unaccounted(run)));
        assert.equal(run.checks.find((check) => check.id === 'database.orphans')?.reason, 'OrphanDatabaseObjects');
        assert.deepEqual(findings(run), []);
      } finally {
        await adminQuery(env, 'DROP ROLE "tenant_audit_stray"');
      }
      assert.ok(!unaccounted(await audit()).some((entry) => entry.includes('tenant_audit_stray')));
    });

    it('passes again once the operator runs again', async function () {
      operator = startOperator();
      for (const name of names) await waitForReady(kc, name);
      assert.deepEqual(findings(await audit()), []);
    });
  });
});
