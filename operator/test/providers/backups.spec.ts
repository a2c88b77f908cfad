/**
 * Backups of tenant databases to object storage, against the real PostgreSQL server and moto's KMS
 * and S3: a backup is sealed under the tenant's own key and restores the same rows; retention
 * prunes the oldest; another tenant's backup is refused by KMS unless overridden; and a backup
 * killed at any point leaves no partial backup marked complete.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LeadershipNotConfirmed, type LeadershipFence } from '../../src/runtime/fence.js';
import { createLogger } from '../../src/runtime/logging.js';
import { backupCrashPoints, restoreBackup, RestoreRefused, type BackupManifest } from '../../src/providers/backup/index.js';
import { tenantPrefix } from '../../src/providers/backup/layout.js';
import { PostgresDatabaseProvider } from '../../src/providers/database/index.js';
import { AwsKmsProvider } from '../../src/providers/kms/index.js';
import {
  asTenant,
  backupCrashesAt,
  backupPrefix,
  backupWiring,
  tenantWithKey,
  type BackupWiring,
  type TenantUnderTest,
} from './support/backups.js';
import { aliasTarget, kmsClient, kmsEndpoint } from './support/kms.js';
import { soleActorFence } from './support/fence.js';
import { adminServer } from './support/postgres.js';

const marker = 'bulkhead-backup-marker-6f1e';

async function seed(tenant: TenantUnderTest): Promise<void> {
  await asTenant(tenant, async (client) => {
    await client.query('CREATE TABLE invoices (id int PRIMARY KEY, note text)');
    await client.query(`INSERT INTO invoices SELECT g, '${marker}' FROM generate_series(1, 250) g`);
    await client.query('CREATE SCHEMA billing');
    await client.query('CREATE TABLE billing.customers (id int PRIMARY KEY)');
    await client.query('INSERT INTO billing.customers SELECT generate_series(1, 7)');
  });
}

async function rowCounts(tenant: TenantUnderTest): Promise<Record<string, number>> {
  return asTenant(tenant, async (client) => {
    const invoices = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM invoices').catch(() => ({ rows: [{ n: -1 }] }));
    const customers = await client
      .query<{ n: number }>('SELECT count(*)::int AS n FROM billing.customers')
      .catch(() => ({ rows: [{ n: -1 }] }));
    return { invoices: invoices.rows[0]?.n ?? -1, customers: customers.rows[0]?.n ?? -1 };
  });
}

function owner(tenant: TenantUnderTest): { tenant: string; tenantUid: string } {
  return { tenant: tenant.spec.tenant, tenantUid: tenant.spec.tenantUid };
}

describe('backups of tenant databases to object storage', function () {
  let database: PostgresDatabaseProvider;
  let kms: AwsKmsProvider;
  let wiring: BackupWiring;
  let acme: TenantUnderTest;
  let globex: TenantUnderTest;

  before(async function () {
    const logger = createLogger({ silent: true });
    database = new PostgresDatabaseProvider(adminServer(), { logger });
    kms = new AwsKmsProvider(kmsEndpoint(), { logger });
    wiring = backupWiring();
    acme = await tenantWithKey('backup-acme', database, kms);
    globex = await tenantWithKey('backup-globex', database, kms);
    await seed(acme);
  });

  after(async function () {
    wiring.close();
    kms.close();
    await database.close();
  });

  async function storedKeys(tenant: TenantUnderTest): Promise<string[]> {
    return (await wiring.store.list(tenantPrefix(backupPrefix, owner(tenant)))).map((object) => object.key).sort();
  }

  it("stores a sealed archive, its sealed data key and a manifest under the tenant's own prefix", async function () {
    const summary = await wiring.backups.backup(acme.subject, 'Requested', soleActorFence);
    const keys = await storedKeys(acme);
    const base = `${tenantPrefix(backupPrefix, owner(acme))}${summary.id}/`;
    assert.deepEqual(keys, [`${base}archive.enc`, `${base}data-key.bin`, `${base}manifest.json`]);

    const archive = Buffer.from((await wiring.store.getBytes(`${base}archive.enc`)) ?? []);
    assert.equal(archive.length, summary.size);
    assert.equal(archive.includes(marker), false, 'the archive in the store is ciphertext');
    assert.notEqual(archive.subarray(0, 5).toString(), 'PGDMP', 'not a plain pg_dump archive');

    const manifest = await wiring.backups.manifest(owner(acme), summary.id);
    const keyId = await aliasTarget(kmsClient(), acme.subject.keyAlias);
    assert.ok(keyId !== undefined && manifest.keyId.endsWith(keyId), `the manifest names the tenant's key ${keyId}, got ${manifest.keyId}`);
    assert.deepEqual(manifest.encryptionContext, { tenant: acme.spec.tenant, purpose: 'backup' });
    assert.deepEqual(manifest.tables, [
      { schema: 'billing', table: 'customers', rows: 7 },
      { schema: 'public', table: 'invoices', rows: 250 },
    ]);
    assert.deepEqual(await wiring.backups.list(owner(acme)), [summary]);
    assert.deepEqual(await storedKeys(globex), [], "nothing was written under another tenant's prefix");
  });

  it('restores the rows the backup held, as the tenant owns them, verified by the row counts', async function () {
    const [latest] = await wiring.backups.list(owner(acme));
    assert.ok(latest);
    await asTenant(acme, async (client) => {
      await client.query('DELETE FROM invoices WHERE id > 10');
      await client.query('DROP TABLE billing.customers');
    });
    assert.deepEqual(await rowCounts(acme), { invoices: 10, customers: -1 });

    const result = await restoreBackup(wiring.backups, {
      source: owner(acme),
      backupId: latest.id,
      target: acme.spec,
      crossTenantOverride: false,
    });
    assert.equal(result.crossTenant, false);
    assert.deepEqual(await rowCounts(acme), { invoices: 250, customers: 7 });
    // The restored tables are the tenant's own: its role can still write them.
    await asTenant(acme, async (client) => client.query('INSERT INTO billing.customers VALUES (1000)'));
    await asTenant(acme, async (client) => client.query('DELETE FROM billing.customers WHERE id = 1000'));
  });

  it("refuses to restore one tenant's backup into another at KMS, unless a platform admin overrides", async function () {
    const [latest] = await wiring.backups.list(owner(acme));
    assert.ok(latest);
    await assert.rejects(
      restoreBackup(wiring.backups, { source: owner(acme), backupId: latest.id, target: globex.spec, crossTenantOverride: false }),
      (error: unknown) => {
        assert.ok(error instanceof RestoreRefused, String(error));
        assert.match(error.message, /KMS refused to open the data key .* for tenant backup-globex-\w+ \(InvalidCiphertextException\)/);
        return true;
      },
    );
    assert.deepEqual(await rowCounts(globex), { invoices: -1, customers: -1 }, "the other tenant's database is untouched");

    const result = await restoreBackup(wiring.backups, {
      source: owner(acme),
      backupId: latest.id,
      target: globex.spec,
      crossTenantOverride: true,
    });
    assert.equal(result.crossTenant, true);
    assert.deepEqual(await rowCounts(globex), { invoices: 250, customers: 7 });
  });

  it('prunes beyond the retention, oldest first, and always keeps the newest', async function () {
    await wiring.backups.backup(acme.subject, 'Scheduled', soleActorFence);
    await wiring.backups.backup(acme.subject, 'Scheduled', soleActorFence);
    const before = await wiring.backups.list(owner(acme));
    assert.equal(before.length, 3);
    const pruned = await wiring.backups.prune(owner(acme), { keepLast: 2 });
    assert.deepEqual(pruned, [before[2]?.id]);
    assert.deepEqual(await wiring.backups.list(owner(acme)), before.slice(0, 2));
    assert.equal((await storedKeys(acme)).length, 6, 'every part of the pruned backup is gone');

    const inTenDays = new Date(Date.now() + 10 * 86_400_000);
    assert.deepEqual(await wiring.backups.prune(owner(acme), { keepLast: 5, maxAgeDays: 7 }, inTenDays), [before[1]?.id]);
    assert.deepEqual(await wiring.backups.list(owner(acme)), before.slice(0, 1));
  });

  it('keeps a backup in flight whole while a second backup of the tenant starts, and marks none complete for a leader that lost its Lease', async function () {
    this.timeout(120_000);
    const before = await wiring.backups.list(owner(acme));
    // The first backup waits at the fence, its archive and data key uploaded and no manifest yet:
    // to the second backup's sweep for crashed runs it looks exactly like one.
    let release = (): void => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let waiting = (): void => undefined;
    const atFence = new Promise<void>((resolve) => (waiting = resolve));
    const paused: LeadershipFence = {
      async confirm(act) {
        if (!act.startsWith('marking backup')) return;
        waiting();
        await gate;
      },
    };
    const first = wiring.backups.backup(acme.subject, 'Scheduled', paused);
    await atFence;
    const second = await wiring.backups.backup(acme.subject, 'Requested', soleActorFence);
    release();
    const taken = await first;
    const after = await wiring.backups.list(owner(acme));
    assert.deepEqual(new Set(after.map((b) => b.id)), new Set([...before.map((b) => b.id), taken.id, second.id]));
    assert.equal((await storedKeys(acme)).length, after.length * 3, 'the first backup kept its archive and data key');

    // A leader whose Lease is gone by the time its dump is uploaded leaves the parts unmarked, and
    // the next backup (the new leader's) removes them.
    const refusing: LeadershipFence = {
      confirm: (act) =>
        act.startsWith('marking backup')
          ? Promise.reject(new LeadershipNotConfirmed(act, 'the Lease is held by another'))
          : Promise.resolve(),
    };
    await assert.rejects(wiring.backups.backup(acme.subject, 'Scheduled', refusing), LeadershipNotConfirmed);
    assert.deepEqual(await wiring.backups.list(owner(acme)), after, 'nothing was marked complete');
    assert.equal((await storedKeys(acme)).length, after.length * 3 + 2, 'its archive and data key are there, unmarked');
    await wiring.backups.backup(acme.subject, 'Scheduled', soleActorFence);
    assert.equal((await storedKeys(acme)).length, (after.length + 1) * 3, 'and the next backup removed them');
    await wiring.backups.prune(owner(acme), { keepLast: 1 });
  });

  describe('killed part-way (SIGKILL)', function () {
    const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-backup-crash-'));
    // The operator after the crash: the same work directory, so it finds what the crashed run left there.
    let restarted: BackupWiring;

    before(function () {
      restarted = backupWiring(workDir);
    });

    after(function () {
      restarted.close();
    });

    for (const crashAt of [backupCrashPoints.afterArchiveUpload, backupCrashPoints.afterDataKeyUpload]) {
      it(`leaves nothing marked complete when killed at ${crashAt}, and the next backup clears the parts`, async function () {
        const complete = await wiring.backups.list(owner(acme));
        await backupCrashesAt({ operation: 'backup', subject: acme.subject, workDir }, crashAt);
        assert.deepEqual(await wiring.backups.list(owner(acme)), complete, 'the partial backup is not listed');
        assert.ok((await storedKeys(acme)).length > complete.length * 3, 'the crashed run left parts behind');
        assert.ok(readdirSync(workDir).length > 0, 'and its plaintext dump on local disk');

        const next = await restarted.backups.backup(acme.subject, 'Scheduled', soleActorFence);
        assert.deepEqual(await wiring.backups.list(owner(acme)), [next, ...complete]);
        assert.equal((await storedKeys(acme)).length, (complete.length + 1) * 3, 'no orphaned part is left');
        await wiring.backups.prune(owner(acme), { keepLast: 1 });
      });
    }

    it(`counts a backup once when killed at ${backupCrashPoints.afterManifestUpload}`, async function () {
      const complete = await wiring.backups.list(owner(acme));
      await backupCrashesAt({ operation: 'backup', subject: acme.subject, workDir }, backupCrashPoints.afterManifestUpload);
      const after = await wiring.backups.list(owner(acme));
      assert.equal(after.length, complete.length + 1);
      const manifest: BackupManifest = await wiring.backups.manifest(owner(acme), after[0]?.id ?? '');
      assert.equal(manifest.tables.find((table) => table.table === 'invoices')?.rows, 250);
      await restarted.backups.backup(acme.subject, 'Scheduled', soleActorFence);
      assert.equal((await wiring.backups.list(owner(acme))).length, complete.length + 2);
      assert.equal(readdirSync(workDir).length, 0, "the next run removed the crashed run's plaintext");
    });

    it(`finishes a prune killed at ${backupCrashPoints.afterManifestDelete}: the half-deleted backup is not listed, and goes next time`, async function () {
      const before = await wiring.backups.list(owner(acme));
      assert.ok(before.length >= 2);
      await backupCrashesAt({ operation: 'prune', subject: acme.subject, workDir }, backupCrashPoints.afterManifestDelete);
      assert.equal((await wiring.backups.list(owner(acme))).length, before.length - 1);
      await wiring.backups.removeIncomplete(owner(acme), soleActorFence);
      await wiring.backups.prune(owner(acme), { keepLast: 1 });
      assert.deepEqual(await wiring.backups.list(owner(acme)), before.slice(0, 1));
      assert.equal((await storedKeys(acme)).length, 3);
    });
  });
});
