/**
 * Backups of pooled tenants (docs/decisions/0055) against the real PostgreSQL server and moto's KMS
 * and S3: two pooled tenants with rows in their schemas and in the shared table; a backup of A holds
 * A's schema and A's shared rows only, sealed under A's own key; after A's and B's rows change, a
 * restore of A puts A's back and leaves B's as they are; the archive opens only under A's context and
 * restores only into a pooled tenant of A's schema; a backup killed part-way leaves nothing listed
 * complete; and a deletion with Snapshot stores a backup a later tenant of A's name restores, and
 * leaves nothing of A in the pool.
 */
import assert from 'node:assert/strict';
import { GetKeyPolicyCommand, ListKeysCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tenant } from '../../src/api/tenant.js';
import { forgetPoolKeyBackups } from '../../src/controllers/tenant/deletion-backup.js';
import { tearDownPooledDatabase } from '../../src/controllers/tenant/pooled-teardown.js';
import type { TeardownDeps } from '../../src/controllers/tenant/teardown.js';
import { backupEncryptionContext, openDataKey } from '../../src/providers/backup/data-keys.js';
import {
  TenantExports,
  backupCrashPoints,
  decryptFile,
  openAsRecipient,
  parseBackupManifest,
  poolBackupKeyAlias,
  poolBackupKeyCrashPoints,
  restoreBackup,
  RestoreRefused,
  RestoreTierMismatch,
  type BackupSubject,
  verifyExportManifest,
} from '../../src/providers/backup/index.js';
import { backupKey, tenantPrefix } from '../../src/providers/backup/layout.js';
import { PostgresDatabaseProvider, generatePassword } from '../../src/providers/database/index.js';
import {
  poolDatabaseName,
  sharedTable,
  type PooledDatabaseProvider,
  type PooledTenantSpec,
} from '../../src/providers/database/pooled/index.js';
import { AwsKmsProvider, accountRootArn } from '../../src/providers/kms/index.js';
import type { KeyProviderError } from '../../src/providers/kms/errors.js';
import { createLogger } from '../../src/runtime/logging.js';
import {
  backupCrashesAt,
  backupPrefix,
  backupWiring,
  storeEndpoint,
  tenantWithKey,
  type BackupWiring,
  type TenantUnderTest,
} from './support/backups.js';
import { soleActorFence } from './support/fence.js';
import { accountId, aliasTarget, kmsClient, kmsEndpoint, region, tenantKeySpec } from './support/kms.js';
import { operatorPrincipal } from './support/pool-key.js';
import { adminQuery, adminServer, connectedAs, pooledTenantSpec } from './support/postgres.js';

const marker = 'bulkhead-pooled-backup-marker-41c9';

interface PooledTenant {
  spec: PooledTenantSpec;
  password: string;
  keyAlias: string;
}

type Rows = { orders: number; extra: number; shared: Record<string, string> };

function owner(tenant: PooledTenant): { tenant: string; tenantUid: string } {
  return { tenant: tenant.spec.tenant, tenantUid: tenant.spec.tenantUid };
}

function subject(tenant: PooledTenant): { database: PooledTenantSpec; keyAlias: string } {
  return { database: tenant.spec, keyAlias: tenant.keyAlias };
}

async function asTenant<T>(tenant: PooledTenant, use: Parameters<typeof connectedAs<T>>[3]): Promise<T> {
  return connectedAs(tenant.spec.roleName, tenant.password, poolDatabaseName, use);
}

/** What the tenant itself sees, with its own login: its orders, an extra table, its shared rows. */
async function rowsOf(tenant: PooledTenant): Promise<Rows> {
  return asTenant(tenant, async (client) => {
    const count = async (table: string): Promise<number> =>
      client
        .query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)
        .then((result) => result.rows[0]?.n ?? -1)
        .catch(() => -1);
    const shared = await client.query<{ key: string; value: string }>(`SELECT key, value FROM ${sharedTable} ORDER BY key`);
    return {
      orders: await count('orders'),
      extra: await count('extra'),
      shared: Object.fromEntries(shared.rows.map((row) => [row.key, row.value])),
    };
  });
}

describe('backups of pooled tenants: their schema and their rows of the shared tables', function () {
  let database: PostgresDatabaseProvider;
  let pooled: PooledDatabaseProvider;
  let kms: AwsKmsProvider;
  let wiring: BackupWiring;
  let a: PooledTenant;
  let b: PooledTenant;
  let backupOfA: string;

  async function pooledTenant(prefix: string, uid?: string): Promise<PooledTenant> {
    const spec = pooledTenantSpec(prefix, uid);
    const password = generatePassword();
    await pooled.ensure(spec, password);
    const key = tenantKeySpec(prefix, spec.tenantUid);
    await kms.ensureKey(key);
    return { spec, password, keyAlias: key.alias };
  }

  async function seed(tenant: PooledTenant, orders: number): Promise<void> {
    await asTenant(tenant, async (client) => {
      await client.query('CREATE TABLE orders (id int PRIMARY KEY, note text)');
      await client.query(`INSERT INTO orders SELECT g, '${marker}' FROM generate_series(1, ${orders}) g`);
      await client.query(
        `INSERT INTO ${sharedTable} (key, value) VALUES ('plan', 'gold of ${tenant.spec.tenant}'), ('seats', '${orders}')`,
      );
    });
  }

  before(async function () {
    const logger = createLogger({ silent: true });
    database = new PostgresDatabaseProvider(adminServer(), { logger });
    pooled = database.pooled();
    kms = new AwsKmsProvider(kmsEndpoint(), { logger });
    wiring = backupWiring();
    a = await pooledTenant('pbk-a');
    b = await pooledTenant('pbk-b');
    await seed(a, 120);
    await seed(b, 30);
  });

  after(async function () {
    wiring.close();
    kms.close();
    await database.close();
  });

  async function storedKeys(tenant: PooledTenant): Promise<string[]> {
    return (await wiring.store.list(tenantPrefix(backupPrefix, owner(tenant)))).map((object) => object.key).sort();
  }

  it("stores A's schema and A's shared rows alone, sealed under A's own key, as one archive", async function () {
    const summary = await wiring.backups.backup(subject(a), 'Requested', soleActorFence);
    backupOfA = summary.id;
    const base = `${tenantPrefix(backupPrefix, owner(a))}${summary.id}/`;
    assert.deepEqual(await storedKeys(a), [`${base}archive.enc`, `${base}data-key.bin`, `${base}manifest.json`]);
    const archive = Buffer.from((await wiring.store.getBytes(`${base}archive.enc`)) ?? []);
    assert.equal(archive.includes(marker), false, 'the archive in the store is ciphertext');

    const manifest = await wiring.backups.manifest(owner(a), summary.id);
    assert.deepEqual(manifest.pooled, { schema: a.spec.schemaName, role: a.spec.roleName });
    assert.equal(manifest.databaseName, poolDatabaseName);
    assert.deepEqual(manifest.encryptionContext, { tenant: a.spec.tenant, purpose: 'backup' });
    assert.deepEqual(manifest.tables, [
      { schema: a.spec.schemaName, table: 'orders', rows: 120 },
      { schema: 'bulkhead_shared', table: 'tenant_settings', rows: 2 },
    ]);
    assert.deepEqual(await storedKeys(b), [], "nothing was written under B's prefix");
  });

  it("restores A's schema and shared rows as they were, and leaves B's rows as B changed them", async function () {
    await asTenant(a, async (client) => {
      await client.query('DELETE FROM orders WHERE id > 5');
      await client.query('CREATE TABLE extra (id int)');
      await client.query('INSERT INTO extra VALUES (1)');
      await client.query(`UPDATE ${sharedTable} SET value = 'bronze' WHERE key = 'plan'`);
      await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ('late', 'after the backup')`);
    });
    await asTenant(b, async (client) => {
      await client.query('INSERT INTO orders VALUES (1000, $1)', ['written by B after the backup']);
      await client.query(`UPDATE ${sharedTable} SET value = 'platinum' WHERE key = 'plan'`);
      await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ('late', 'B after the backup')`);
    });
    const bBefore = await rowsOf(b);
    assert.deepEqual(bBefore, { orders: 31, extra: -1, shared: { late: 'B after the backup', plan: 'platinum', seats: '30' } });

    const result = await restoreBackup(wiring.backups, {
      source: owner(a),
      backupId: backupOfA,
      target: a.spec,
      crossTenantOverride: false,
    });
    assert.equal(result.crossTenant, false);
    assert.deepEqual(await rowsOf(a), { orders: 120, extra: -1, shared: { plan: `gold of ${a.spec.tenant}`, seats: '120' } });
    assert.deepEqual(await rowsOf(b), bBefore, "B's rows are untouched");

    // The schema is as ensure makes it: the pool owner's, marked with A's UID, and A's restored tables are A's own.
    const [schema] = await adminQuery<{ owner: string; comment: string }>(
      'SELECT pg_get_userbyid(nspowner) AS owner, obj_description(oid, $2) AS comment FROM pg_namespace WHERE nspname = $1',
      [a.spec.schemaName, 'pg_namespace'],
      poolDatabaseName,
    );
    assert.equal(schema?.owner, 'bulkhead_pool_owner');
    assert.match(schema?.comment ?? '', new RegExp(a.spec.tenantUid));
    await asTenant(a, async (client) => client.query("INSERT INTO orders VALUES (5000, 'A writes after the restore')"));
    const second = await pooled.ensure(a.spec, a.password);
    assert.deepEqual(second.repaired, [], 'the next ensure finds nothing to put back');
  });

  it("opens A's archive only under A's context, and restores it only into a pooled tenant of A's schema", async function () {
    const sealed = await wiring.store.getBytes(backupKey(backupPrefix, owner(a), backupOfA, 'dataKey'));
    assert.ok(sealed);
    await assert.rejects(
      openDataKey(wiring.backups.options.kms, sealed, backupEncryptionContext(b.spec.tenant)),
      (error: unknown) => (error as KeyProviderError).kmsError === 'InvalidCiphertextException',
    );
    (await openDataKey(wiring.backups.options.kms, sealed, backupEncryptionContext(a.spec.tenant))).fill(0);

    const bBefore = await rowsOf(b);
    await assert.rejects(
      restoreBackup(wiring.backups, { source: owner(a), backupId: backupOfA, target: b.spec, crossTenantOverride: true }),
      (error: unknown) => {
        assert.ok(error instanceof RestoreTierMismatch, String(error));
        assert.match(error.message, /restores only into the tenant of the same name \(spec\.backup\.fromTenant must equal spec\.tenant\)/);
        return true;
      },
    );
    assert.deepEqual(await rowsOf(b), bBefore, 'nothing of B changed');
  });

  it("refuses a pooled backup into a database of a tenant's own, and a database's backup into the pool, naming the field", async function () {
    const dedicated: TenantUnderTest = await tenantWithKey('pbk-own', database, kms);
    await assert.rejects(
      restoreBackup(wiring.backups, { source: owner(a), backupId: backupOfA, target: dedicated.spec, crossTenantOverride: true }),
      (error: unknown) => error instanceof RestoreTierMismatch && /spec\.tenant must be a pooled tenant/.test(error.message),
    );
    const own = await wiring.backups.backup(dedicated.subject, 'Requested', soleActorFence);
    await assert.rejects(
      restoreBackup(wiring.backups, {
        source: { tenant: dedicated.spec.tenant, tenantUid: dedicated.spec.tenantUid },
        backupId: own.id,
        target: a.spec,
        crossTenantOverride: true,
      }),
      (error: unknown) => error instanceof RestoreTierMismatch && /spec\.tenant must have a database of its own/.test(error.message),
    );
    await database.drop(dedicated.spec, soleActorFence);
  });

  describe('killed part-way (SIGKILL)', function () {
    const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-pooled-backup-crash-'));

    for (const crashAt of [backupCrashPoints.afterArchiveUpload, backupCrashPoints.afterDataKeyUpload]) {
      it(`leaves nothing listed complete when killed at ${crashAt}, and the next backup clears the parts`, async function () {
        const complete = await wiring.backups.list(owner(a));
        await backupCrashesAt({ operation: 'backup', subject: subject(a), workDir }, crashAt);
        assert.deepEqual(await wiring.backups.list(owner(a)), complete, 'the partial backup is not listed');
        assert.ok((await storedKeys(a)).length > complete.length * 3, 'the crashed run left parts behind');

        const restarted = backupWiring(workDir);
        try {
          const next = await restarted.backups.backup(subject(a), 'Scheduled', soleActorFence);
          assert.deepEqual(await wiring.backups.list(owner(a)), [next, ...complete]);
          assert.equal((await storedKeys(a)).length, (complete.length + 1) * 3, 'no orphaned part is left');
        } finally {
          restarted.close();
        }
      });
    }
  });

  it("exports B's schema and shared rows signed and sealed to B's customer, who opens a tar of both", async function () {
    const signing = generateKeyPairSync('ed25519');
    const customer = generateKeyPairSync('rsa', { modulusLength: 3072 });
    const exports = new TenantExports(wiring.backups, { region: 'eu-central-1', bucket: storeEndpoint().bucket });
    const completed = await exports.export(subject(b), { signing: signing.privateKey, recipient: customer.publicKey }, soleActorFence);
    const text = Buffer.from((await wiring.store.getBytes(completed.manifestKey)) ?? []).toString('utf8');
    const manifest = verifyExportManifest(text, signing.publicKey);
    assert.ok(manifest.formatVersion === 2);
    assert.deepEqual(manifest.tables, [
      { schema: b.spec.schemaName, table: 'orders', rows: 31 },
      { schema: 'bulkhead_shared', table: 'tenant_settings', rows: 3 },
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-pooled-export-'));
    const dataKey = openAsRecipient(Buffer.from((await wiring.store.getBytes(manifest.recipient.dataKey.key)) ?? []), customer.privateKey);
    const archive = join(dir, 'archive.enc');
    assert.ok(await wiring.store.getToFile(manifest.archive.key, archive));
    const backupText = Buffer.from((await wiring.store.getBytes(manifest.backupManifest.key)) ?? []).toString('utf8');
    const backup = parseBackupManifest(backupText, manifest.backupManifest.key);
    assert.deepEqual(backup.pooled, { schema: b.spec.schemaName, role: b.spec.roleName });
    const seal = { iv: Buffer.from(backup.cipher.iv, 'base64'), authTag: Buffer.from(backup.cipher.authTag, 'base64') };
    await decryptFile(archive, join(dir, 'export.tar'), dataKey, seal);
    dataKey.fill(0);
    const entries = execFileSync('tar', ['-tf', join(dir, 'export.tar')], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(entries, ['schema.dump', 'shared-rows.json']);
    execFileSync('tar', ['-xf', join(dir, 'export.tar'), '-C', dir]);
    const shared = JSON.parse(readFileSync(join(dir, 'shared-rows.json'), 'utf8')) as { tables: { rows: { tenant: string }[] }[] };
    assert.deepEqual(
      new Set(shared.tables.flatMap((table) => table.rows.map((row) => row.tenant))),
      new Set([b.spec.roleName]),
      "B's rows alone",
    );
  });

  describe('a pooled tenant on the pool key: sealed under the pool-backups key, with its UID in the context', function () {
    const request = { region, operatorPrincipal, rootArn: accountRootArn(accountId) };
    let c: PooledTenant;
    let backupOfC = '';

    function poolKeySubject(tenant: PooledTenant): BackupSubject {
      return { database: tenant.spec, keyAlias: poolBackupKeyAlias(region), poolBackupKey: request };
    }

    async function poolBackupKeys(): Promise<string[]> {
      const client = kmsClient();
      const found: string[] = [];
      for (const { KeyId } of (await client.send(new ListKeysCommand({ Limit: 1000 }))).Keys ?? []) {
        const tags = await client.send(new ListResourceTagsCommand({ KeyId }));
        if (tags.Tags?.some((tag) => tag.TagKey === 'bulkhead.dev/pool-backup-key' && tag.TagValue === region)) found.push(KeyId ?? '');
      }
      return found;
    }

    before(async function () {
      const spec = pooledTenantSpec('pbk-c');
      const password = generatePassword();
      await pooled.ensure(spec, password);
      c = { spec, password, keyAlias: poolBackupKeyAlias(region) };
      await seed(c, 9);
    });

    it(`makes one pool-backups key even when killed at ${poolBackupKeyCrashPoints.afterCreateKey}, with the policy that lets the operator seal backups alone`, async function () {
      const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-pool-backup-key-crash-'));
      assert.deepEqual(await poolBackupKeys(), [], 'no pool-backups key before the first backup');
      await backupCrashesAt({ operation: 'backup', subject: poolKeySubject(c), workDir }, poolBackupKeyCrashPoints.afterCreateKey);
      const [made, ...others] = await poolBackupKeys();
      assert.ok(made !== undefined && others.length === 0, 'the crashed call made the key but no alias');
      const summary = await wiring.backups.backup(poolKeySubject(c), 'Requested', soleActorFence);
      backupOfC = summary.id;
      assert.deepEqual(await poolBackupKeys(), [made], 'the next backup adopted it: still one key');
      assert.equal(await aliasTarget(kmsClient(), poolBackupKeyAlias(region)), made);
      const policy = await kmsClient().send(new GetKeyPolicyCommand({ KeyId: made, PolicyName: 'default' }));
      const statements = (JSON.parse(policy.Policy ?? '{}') as { Statement: { Sid: string; Action: string | string[] }[] }).Statement;
      assert.deepEqual(
        statements.map((statement) => statement.Sid),
        ['AccountAdministersButDoesNotUse', 'OperatorSealsPooledBackupsOnly'],
      );
      assert.deepEqual(statements[1]?.Action, ['kms:GenerateDataKey', 'kms:Decrypt']);
      const manifest = await wiring.backups.manifest(owner(c), summary.id);
      assert.deepEqual(manifest.encryptionContext, { tenant: c.spec.tenant, purpose: 'backup', tenantUid: c.spec.tenantUid });
      assert.ok(manifest.keyId.endsWith(made), `sealed under the pool-backups key, not ${manifest.keyId}`);
    });

    it("restores C's schema and shared rows from it", async function () {
      await asTenant(c, async (client) => client.query('DELETE FROM orders'));
      await restoreBackup(wiring.backups, { source: owner(c), backupId: backupOfC, target: c.spec, crossTenantOverride: false });
      assert.deepEqual(await rowsOf(c), { orders: 9, extra: -1, shared: { plan: `gold of ${c.spec.tenant}`, seats: '9' } });
    });

    it("is refused at KMS to a later tenant of C's name without an override (another UID), and restores with one", async function () {
      await pooled.drop(c.spec, soleActorFence);
      const successorSpec = pooledTenantSpec('pbk-c');
      const successor: PooledTenant = { spec: successorSpec, password: generatePassword(), keyAlias: poolBackupKeyAlias(region) };
      await pooled.ensure(successor.spec, successor.password);
      await assert.rejects(
        restoreBackup(wiring.backups, { source: owner(c), backupId: backupOfC, target: successor.spec, crossTenantOverride: false }),
        (error: unknown) => error instanceof RestoreRefused && /InvalidCiphertextException/.test(error.message),
      );
      assert.equal((await rowsOf(successor)).orders, -1, 'nothing was restored');
      await restoreBackup(wiring.backups, { source: owner(c), backupId: backupOfC, target: successor.spec, crossTenantOverride: true });
      assert.equal((await rowsOf(successor)).orders, 9);
      await pooled.drop(successor.spec, soleActorFence);
    });

    it("deletes C's backups when C is deleted with Delete, since the pool-backups key outlives it; Snapshot keeps its Deletion backup", async function () {
      const tenantC = (policy: string): Tenant =>
        ({
          metadata: { name: c.spec.tenant, uid: c.spec.tenantUid },
          spec: { region, database: { deletionPolicy: policy } },
        }) as unknown as Tenant;
      const deps = {
        config: { backups: { bucket: 'b' } },
        providers: { backups: () => Promise.resolve(wiring.backups) },
        fence: soleActorFence,
      } as unknown as TeardownDeps;
      await wiring.backups.backup(poolKeySubject(c), 'Deletion', soleActorFence).catch(() => undefined);
      assert.ok((await wiring.backups.list(owner(c))).length >= 1);
      await forgetPoolKeyBackups(deps, tenantC('Retain'));
      const before = await wiring.backups.list(owner(c));
      assert.ok(before.length >= 1, 'Retain keeps them');
      await forgetPoolKeyBackups(deps, tenantC('Snapshot'));
      assert.deepEqual(
        (await wiring.backups.list(owner(c))).map((backup) => backup.reason),
        before.filter((backup) => backup.reason === 'Deletion').map((backup) => backup.reason),
        'Snapshot keeps its Deletion backup alone',
      );
      await forgetPoolKeyBackups(deps, tenantC('Delete'));
      assert.deepEqual(await wiring.backups.list(owner(c)), []);
      assert.deepEqual(await storedKeys(c), [], 'no part is left under its prefix');
    });
  });

  describe('deletion with deletionPolicy Snapshot', function () {
    function deletedTenant(tenant: PooledTenant): Tenant {
      return {
        apiVersion: 'bulkhead.dev/v1alpha1',
        kind: 'Tenant',
        metadata: { name: tenant.spec.tenant, uid: tenant.spec.tenantUid },
        spec: { plan: 'pooled', region: 'eu-central-1', database: { deletionPolicy: 'Snapshot' } },
        status: {
          database: { name: poolDatabaseName, schema: tenant.spec.schemaName },
          encryption: { alias: tenant.keyAlias },
        },
      } as unknown as Tenant;
    }

    function teardownDeps(withStore: boolean): TeardownDeps {
      return {
        config: withStore ? { backups: { bucket: 'b' } } : {},
        providers: {
          database: () => Promise.resolve(database),
          ...(withStore && { backups: () => Promise.resolve(wiring.backups) }),
        },
        events: { record: () => Promise.resolve() },
        logger: createLogger({ silent: true }),
        fence: soleActorFence,
      } as unknown as TeardownDeps;
    }

    it('without an object store drops nothing and says what to configure', async function () {
      await assert.rejects(
        tearDownPooledDatabase(teardownDeps(false), deletedTenant(a), a.spec.schemaName),
        /needs the operator's object store \(operator config backups\): nothing of schema .* was dropped/,
      );
      assert.equal((await rowsOf(a)).orders, 121);
    });

    it("stores a Deletion backup, then leaves nothing of A in the pool; a later tenant of A's name restores it", async function () {
      const message = await tearDownPooledDatabase(teardownDeps(true), deletedTenant(a), a.spec.schemaName);
      assert.match(message, /as backup \d{8}T\d{6}Z-[0-9a-f]{6} in the object store, then dropped them and role/);
      const [stored] = (await wiring.backups.list(owner(a))).filter((backup) => backup.reason === 'Deletion');
      assert.ok(stored, 'a complete Deletion backup is listed');
      const [left] = await adminQuery<{ schemas: number; rows: number; roles: number }>(
        `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
                (SELECT count(*)::int FROM ${sharedTable} WHERE tenant = $2) AS rows,
                (SELECT count(*)::int FROM pg_roles WHERE rolname = $2) AS roles`,
        [a.spec.schemaName, a.spec.roleName],
        poolDatabaseName,
      );
      assert.deepEqual(left, { schemas: 0, rows: 0, roles: 0 }, 'nothing of A is left in the pool');
      assert.equal((await rowsOf(b)).orders, 31, "B's rows are untouched");

      // A second teardown after a crash finds the Deletion backup and takes no other.
      await tearDownPooledDatabase(teardownDeps(true), deletedTenant(a), a.spec.schemaName);
      assert.equal((await wiring.backups.list(owner(a))).filter((backup) => backup.reason === 'Deletion').length, 1);

      // A later tenant of the same name (a new UID): a platform admin's override opens the archive under A's context.
      const successor = await pooledTenant('pbk-a');
      const restored = await restoreBackup(wiring.backups, {
        source: owner(a),
        backupId: stored.id,
        target: successor.spec,
        crossTenantOverride: true,
      });
      assert.equal(restored.crossTenant, true);
      assert.deepEqual(await rowsOf(successor), { orders: 121, extra: -1, shared: { plan: `gold of ${a.spec.tenant}`, seats: '120' } });
      await pooled.drop(successor.spec, soleActorFence);
    });
  });
});
