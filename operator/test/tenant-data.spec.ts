/**
 * Each tenant's own database and KMS key, on the real PostgreSQL and the KMS emulator: created
 * with the tenant, isolated from every other tenant, rotated on request, never leaked into
 * status, Events or logs, converging after a crash, and handled by the deletion policy.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import {
  DescribeKeyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
} from '@aws-sdk/client-kms';
import { testEnvironment, type Environment } from '@bulkhead/testenv';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { connectAs, tenantLogin } from './support/tenant-database.js';
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

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

async function adminQuery<T extends pg.QueryResultRow>(env: Environment, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: env.postgres.url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

function kms(env: Environment): KMSClient {
  return new KMSClient({
    endpoint: env.kms.endpoint,
    region: 'eu-central-1',
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
  });
}

const pgBin = (name: string): string => {
  const root = '/usr/lib/postgresql';
  const version = readdirSync(root).sort((a, b) => Number(b) - Number(a))[0] ?? '';
  return join(root, version, 'bin', name);
};

describe("a tenant's own database and key", function () {
  let kc: k8s.KubeConfig;
  let env: Environment;
  let operator: OperatorProcess | undefined;
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    customObjects(kc).patchClusterCustomObject({ group, version, plural: 'tenants', name, body: { spec } }, mergePatch);

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(kc, [tenantManifest('data-a'), tenantManifest('data-b')]);
    await waitForReady(kc, 'data-a');
    await waitForReady(kc, 'data-b');
  });

  after(async function () {
    // A deleted tenant whose region is not configured waits for it, unless its data is orphaned explicitly.
    await customObjects(kc)
      .patchClusterCustomObject(
        { group, version, plural: 'tenants', name: 'nowhere', body: { metadata: { annotations: { 'bulkhead.dev/orphan-data': 'true' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
    await deleteTenantsAndWait(kc, ['data-a', 'data-b', 'nowhere']);
    await operator?.stop();
  });

  it('gives each tenant a database, credentials in its namespace, and a key, reported in status', async function () {
    const tenant = await readTenant(kc, 'data-a');
    assert.equal(condition(tenant, 'DatabaseReady')?.status, 'True');
    assert.equal(condition(tenant, 'EncryptionKeyReady')?.status, 'True');
    const status = tenant.status as { database?: Record<string, unknown>; encryption?: Record<string, string> };
    // What the database was verified against, as a digest (docs/decisions/0037): no name or secret in it.
    const { inputsDigest, ...where } = status.database ?? {};
    assert.match(String(inputsDigest), /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(where, {
      host: env.postgres.host,
      port: env.postgres.port,
      name: 'tenant_data_a',
      secretName: 'data-a-database',
    });
    assert.equal(status.encryption?.alias, 'alias/bulkhead/data-a');
    const c = await tenantLogin(kc, 'data-a');
    assert.deepEqual(Object.keys(c).sort(), ['database', 'host', 'password', 'port', 'uri', 'username']);
    const own = await connectAs(c);
    await own.query('CREATE TABLE orders (id int)');
    await own.end();
    const config = await kc
      .makeApiClient(k8s.CoreV1Api)
      .readNamespacedConfigMap({ namespace: 'tenant-data-a', name: 'data-a-encryption-key' });
    assert.equal(config.data?.KMS_KEY_ID, status.encryption?.keyId);
    const policy = await kc
      .makeApiClient(k8s.NetworkingV1Api)
      .readNamespacedNetworkPolicy({ namespace: 'tenant-data-a', name: 'allow-database' });
    assert.equal(policy.spec?.egress?.[0]?.to?.[0]?.ipBlock?.cidr, `${env.postgres.host}/32`);
    assert.equal(policy.spec?.egress?.[0]?.ports?.[0]?.port, env.postgres.port);
  });

  it("keeps tenant A's credentials out of tenant B's database and away from creating databases or roles", async function () {
    const a = await tenantLogin(kc, 'data-a');
    await assert.rejects(connectAs(a, { database: 'tenant_data_b' }), /permission denied for database "tenant_data_b"/);
    const client = await connectAs(a);
    try {
      await assert.rejects(client.query('CREATE DATABASE sneaky'), /permission denied to create database/);
      await assert.rejects(client.query('CREATE ROLE sneaky'), /permission denied to create role/);
    } finally {
      await client.end();
    }
    const rows = await adminQuery<{ datname: string; public_connect: boolean }>(
      env,
      "SELECT datname, has_database_privilege('public', datname, 'CONNECT') AS public_connect FROM pg_database WHERE datname LIKE 'tenant_data_%'",
    );
    assert.equal(rows.length, 2);
    assert.ok(
      rows.every((r) => !r.public_connect),
      'PUBLIC can connect to a tenant database',
    );
  });

  it('creates a tagged, aliased, rotating key per tenant', async function () {
    const tenant = await readTenant(kc, 'data-a');
    const keyId = (tenant.status as { encryption?: { keyId?: string } }).encryption?.keyId ?? '';
    const client = kms(env);
    const tags = await client.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.equal(tags.Tags?.find((t) => t.TagKey === 'bulkhead.dev/tenant')?.TagValue, 'data-a');
    assert.equal(tags.Tags?.find((t) => t.TagKey === 'bulkhead.dev/tenant-uid')?.TagValue, tenant.metadata?.uid);
    assert.equal((await client.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled, true);
    const aliases = await client.send(new ListAliasesCommand({ KeyId: keyId }));
    assert.deepEqual(
      aliases.Aliases?.map((a) => a.AliasName),
      ['alias/bulkhead/data-a'],
    );
    const otherKey = (await readTenant(kc, 'data-b')).status as { encryption?: { keyId?: string } };
    assert.notEqual(otherKey.encryption?.keyId, keyId);
  });

  it('rotates the password on request, and the old one stops working', async function () {
    const before = await tenantLogin(kc, 'data-a');
    await patchSpec('data-a', { database: { passwordRotation: 'first' } });
    const after = await eventually('a new password', async () => {
      const current = await tenantLogin(kc, 'data-a');
      return current.password !== before.password ? current : undefined;
    });
    (await connectAs(after)).end().catch(() => undefined);
    await assert.rejects(connectAs(before), /password authentication failed/);
    await waitForReady(kc, 'data-a');
  });

  it('never puts a password into status, Events or the operator log', async function () {
    const passwords = [(await tenantLogin(kc, 'data-a')).password, (await tenantLogin(kc, 'data-b')).password];
    const tenants = JSON.stringify([await readTenant(kc, 'data-a'), await readTenant(kc, 'data-b')]);
    const events = JSON.stringify(await kc.makeApiClient(k8s.CoreV1Api).listEventForAllNamespaces());
    const logs = JSON.stringify(operator?.logs);
    for (const password of passwords) {
      assert.ok(password.length >= 32);
      for (const [where, text] of [
        ['status', tenants],
        ['Events', events],
        ['operator log', logs],
      ]) {
        assert.ok(!text?.includes(password), `a password appears in the ${where}`);
      }
    }
  });

  it('reports an unconfigured region and creates no database or key there', async function () {
    await applyObjects(kc, [tenantManifest('nowhere', { region: 'ap-south-9' })]);
    const tenant = await eventually('RegionNotConfigured', async () => {
      const current = await readTenant(kc, 'nowhere');
      return condition(current, 'DatabaseReady')?.reason === 'RegionNotConfigured' ? current : undefined;
    });
    assert.equal(condition(tenant, 'EncryptionKeyReady')?.reason, 'RegionNotConfigured');
    assert.equal(condition(tenant, 'Ready')?.status, 'False');
    assert.deepEqual(await adminQuery(env, "SELECT 1 FROM pg_database WHERE datname = 'tenant_nowhere'"), []);
  });
});

describe('deleting a tenant by its deletion policy', function () {
  let kc: k8s.KubeConfig;
  let env: Environment;
  let operator: OperatorProcess | undefined;

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(
      kc,
      ['Retain', 'Snapshot', 'Delete'].map((policy) =>
        tenantManifest(`policy-${policy.toLowerCase()}`, { database: { deletionPolicy: policy } }),
      ),
    );
    for (const policy of ['retain', 'snapshot', 'delete']) {
      await waitForReady(kc, `policy-${policy}`);
      const client = await connectAs(await tenantLogin(kc, `policy-${policy}`));
      await client.query("CREATE TABLE orders (id int primary key, item text); INSERT INTO orders VALUES (1, 'anvil'), (2, 'rocket')");
      await client.end();
    }
  });

  after(async function () {
    await operator?.stop();
  });

  it('Retain keeps the database and its rows, and the role can no longer log in', async function () {
    const c = await tenantLogin(kc, 'policy-retain');
    await deleteTenantsAndWait(kc, ['policy-retain']);
    const rows = await adminQuery(env, "SELECT 1 FROM pg_database WHERE datname = 'tenant_policy_retain'");
    assert.equal(rows.length, 1);
    await assert.rejects(connectAs(c), /not permitted to log in/);
    const events = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=policy-retain' });
    assert.ok(events.items.some((e) => e.reason === 'DatabaseRetained' && e.message?.includes('tenant_policy_retain')));
  });

  it('Snapshot writes a dump that restores into a fresh database with the same rows, then drops', async function () {
    await deleteTenantsAndWait(kc, ['policy-snapshot']);
    assert.deepEqual(await adminQuery(env, "SELECT 1 FROM pg_database WHERE datname = 'tenant_policy_snapshot'"), []);
    const dir = join(env.dir, 'run', 'snapshots');
    const file = readdirSync(dir).find((f) => f.startsWith('tenant_policy_snapshot-') && f.endsWith('.dump'));
    assert.ok(file && existsSync(join(dir, file)), 'no snapshot file');
    await adminQuery(env, 'CREATE DATABASE restored_snapshot');
    const url = new URL(env.postgres.url);
    execFileSync(
      pgBin('pg_restore'),
      ['--no-owner', '-h', url.hostname, '-p', url.port, '-U', 'postgres', '-d', 'restored_snapshot', join(dir, file)],
      { env: { ...process.env, PGPASSWORD: env.postgres.password }, stdio: 'pipe' },
    );
    url.pathname = '/restored_snapshot';
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const { rows } = await client.query<{ id: number; item: string }>('SELECT id, item FROM orders ORDER BY id');
    await client.end();
    assert.deepEqual(rows, [
      { id: 1, item: 'anvil' },
      { id: 2, item: 'rocket' },
    ]);
  });

  it('Delete drops the database and role, and every policy schedules the key for deletion', async function () {
    const keyId = ((await readTenant(kc, 'policy-delete')).status as { encryption?: { keyId?: string } }).encryption?.keyId ?? '';
    await deleteTenantsAndWait(kc, ['policy-delete']);
    assert.deepEqual(await adminQuery(env, "SELECT 1 FROM pg_database WHERE datname = 'tenant_policy_delete'"), []);
    assert.deepEqual(await adminQuery(env, "SELECT 1 FROM pg_roles WHERE rolname = 'tenant_policy_delete'"), []);
    const key = await kms(env).send(new DescribeKeyCommand({ KeyId: keyId }));
    assert.equal(key.KeyMetadata?.KeyState, 'PendingDeletion');
    const days = ((key.KeyMetadata?.DeletionDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    assert.ok(days > 6 && days <= 7, `deletion in ${days} days, configured 7`);
  });

  it("gives a new tenant with a deleted tenant's name a new key, never the old one", async function () {
    const before = await kms(env).send(new ListAliasesCommand({}));
    assert.ok(!before.Aliases?.some((a) => a.AliasName === 'alias/bulkhead/policy-delete'), 'the alias outlived its tenant');
    await applyObjects(kc, [tenantManifest('policy-delete')]);
    const tenant = await waitForReady(kc, 'policy-delete');
    const key = await kms(env).send(
      new DescribeKeyCommand({ KeyId: (tenant.status as { encryption?: { keyId?: string } }).encryption?.keyId }),
    );
    assert.equal(key.KeyMetadata?.KeyState, 'Enabled');
    await deleteTenantsAndWait(kc, ['policy-delete']);
    assert.ok(await isGone(() => readTenant(kc, 'policy-delete')));
  });
});

describe('an operator crash in the middle of creating a database or key', function () {
  let kc: k8s.KubeConfig;
  let env: Environment;

  before(async function () {
    env = testEnvironment();
    kc = await prepareCluster();
  });

  for (const crashPoint of ['database.after-create-role', 'database.after-create-database', 'kms.after-create-key']) {
    it(`converges after dying at ${crashPoint}, with exactly one role, database and key`, async function () {
      const name = `crash-${crashPoint.replace(/[^a-z]+/g, '-').replace(/-$/, '')}`.slice(0, 40);
      const crashing = startOperator({}, { BULKHEAD_CRASH_AT: crashPoint });
      await applyObjects(kc, [tenantManifest(name)]);
      assert.equal(await crashing.exited, 'SIGKILL');
      const recovered = startOperator();
      try {
        const tenant = await waitForReady(kc, name);
        const db = name.replace(/-/g, '_');
        assert.equal((await adminQuery(env, 'SELECT 1 FROM pg_roles WHERE rolname = $1', [`tenant_${db}`])).length, 1);
        assert.equal((await adminQuery(env, 'SELECT 1 FROM pg_database WHERE datname = $1', [`tenant_${db}`])).length, 1);
        (await connectAs(await tenantLogin(kc, name))).end().catch(() => undefined);
        const client = kms(env);
        // Every key in the region, aliased or not: a duplicate from a lost CreateKey would have no alias.
        const tagged = [];
        for (const key of (await client.send(new ListKeysCommand({ Limit: 1000 }))).Keys ?? []) {
          const tags = await client.send(new ListResourceTagsCommand({ KeyId: key.KeyId }));
          if (tags.Tags?.some((t) => t.TagKey === 'bulkhead.dev/tenant-uid' && t.TagValue === tenant.metadata?.uid)) tagged.push(key.KeyId);
        }
        assert.equal(tagged.length, 1, `keys of ${name}: ${tagged.join(', ')}`);
        await deleteTenantsAndWait(kc, [name]);
      } finally {
        await recovered.stop();
      }
    });
  }
});
