/**
 * Offboarding with an export (deletionPolicy Export), through the operator on the real
 * kube-apiserver, PostgreSQL and moto (KMS and S3): deleting the Tenant writes a final export
 * sealed under its key and a manifest signed with the audit's key, then drops the database and
 * schedules the key's deletion, and records both in the object store; the manifest verifies with
 * the public key and the archive restores to the rows the tenant had; a changed manifest does not
 * verify. The customer, with only their RSA private key and the files, opens the export with
 * `bulkhead export open` while the tenant's key is pending deletion, and pg_restore loads it. An operator killed -9 part-way converges on one complete export, the key scheduled only
 * after it; an unreachable store keeps the Tenant, saying ExportFailed.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CancelKeyDeletionCommand, DescribeKeyCommand, EnableKeyCommand } from '@aws-sdk/client-kms';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import {
  ExportManifestInvalid,
  ObjectStore,
  TenantBackups,
  TenantExports,
  exportCrashPoints,
  restoreBackup,
  sha256Hex,
  verifyExportManifest,
  backupCrashPoints,
  type OffboardingRecord,
} from '../src/providers/backup/index.js';
import { databaseName, keyAlias } from '../src/api/names.js';
import { runBulkhead } from '../src/cli/testing.js';
import { runPostgresTool } from '../src/providers/database/snapshot.js';
import { tenantPrefix } from '../src/providers/backup/layout.js';
import { generatePassword, PostgresDatabaseProvider } from '../src/providers/database/index.js';
import { KmsSession } from '../src/providers/kms/kms-session.js';
import { createLogger } from '../src/runtime/logging.js';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import { auditOffboarding } from '../src/audit/data/index.js';
import type { AuditCheck } from '../src/audit/model.js';
import { KubeClient } from '../src/kube/client.js';
import { clusterRanges } from '@bulkhead/testenv';
import { operatorRegions } from './support/operator-process.js';
import { storeEndpoint } from './providers/support/backups.js';
import { kmsClient, kmsEndpoint } from './providers/support/kms.js';
import { adminQuery, adminServer, tenantDatabaseSpec } from './providers/support/postgres.js';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { reportConfigMap } from './audit/report-identity.js';
import { prepareCluster } from './support/setup.js';
import { queryAsTenant } from './support/tenant-database.js';
import { condition, deleteTenant, readTenant, tenantManifest, waitForReady } from './support/tenants.js';

const prefix = `export-spec-${process.pid}/`;
const signingKey = generateKeyPairSync('ed25519');
/** The customer's key pair: the Tenant names the public half, the private half never leaves the "customer". */
const customerKey = generateKeyPairSync('rsa', { modulusLength: 3072 });
const recipientPublicKey = customerKey.publicKey.export({ type: 'spki', format: 'pem' }).toString();
const signingSecret = { namespace: 'bulkhead-system', name: 'export-signing-key' };
const logger = createLogger({ silent: true });

function operatorSettings(endpoint?: string): Record<string, unknown> {
  const env = testEnvironment();
  return {
    backups: {
      bucket: env.kms.backupBucket ?? 'bulkhead-backups',
      region: 'eu-central-1',
      endpoint: endpoint ?? env.kms.endpoint,
      forcePathStyle: true,
      prefix,
      credentialsSecret: { namespace: 'bulkhead-system', name: 'backup-credentials' },
      timeoutSeconds: 120,
    },
    // The chart renders the report Role whenever a signing key is named; naming the report the
    // publishing specs write (report-identity.ts) keeps that Role one rbac-minimal sees used.
    audit: { enabled: false, signingKeySecret: signingSecret, reportConfigMap },
  };
}

async function databaseExists(name: string): Promise<boolean> {
  return (await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;
}

async function keyState(keyId: string): Promise<{ state?: string; deletionDate?: Date }> {
  const { KeyMetadata } = await kmsClient().send(new DescribeKeyCommand({ KeyId: keyId }));
  return { state: KeyMetadata?.KeyState, deletionDate: KeyMetadata?.DeletionDate };
}

describe('offboarding a tenant with deletionPolicy Export', function () {
  this.timeout(600_000);
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let store: ObjectStore;
  let kms: KmsSession;
  let exports: TenantExports;
  let backups: TenantBackups;

  /** A Tenant with Export, Ready, holding 40 orders; returns its UID. */
  async function exportTenant(name: string): Promise<string> {
    await applyObjects(kc, [tenantManifest(name, { database: { deletionPolicy: 'Export', export: { recipientPublicKey } } })]);
    const tenant = await waitForReady(kc, name, 120_000);
    await queryAsTenant(kc, name, 'CREATE TABLE orders (id int PRIMARY KEY, item text)');
    await queryAsTenant(kc, name, "INSERT INTO orders SELECT g, 'widget' FROM generate_series(1, 40) g");
    return tenant.metadata?.uid ?? '';
  }

  const storedKeys = async (owner: { tenant: string; tenantUid: string }): Promise<string[]> =>
    (await store.list(tenantPrefix(exports.prefix, owner))).map((object) => object.key).sort();

  before(async function () {
    kc = await prepareCluster();
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await core
      .createNamespacedSecret({
        namespace: 'bulkhead-system',
        body: { metadata: { name: 'backup-credentials' }, stringData: { accessKeyId: 'testing', secretAccessKey: 'testing' } },
      })
      .catch(() => undefined);
    const pem = signingKey.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await core
      .createNamespacedSecret({
        namespace: signingSecret.namespace,
        body: { metadata: { name: signingSecret.name }, stringData: { 'private.pem': pem } },
      })
      .catch(() => undefined);
    store = new ObjectStore(storeEndpoint());
    kms = KmsSession.open(kmsEndpoint(), { logger });
    const workDir = mkdtempSync(join(tmpdir(), 'bulkhead-export-spec-'));
    backups = new TenantBackups({ store, prefix, kms, server: adminServer(), workDir, timeoutMillis: 60_000, logger });
    exports = new TenantExports(backups, { region: 'eu-central-1', bucket: storeEndpoint().bucket });
  });

  after(async function () {
    await operator?.stop();
    store?.close();
    kms?.close();
  });

  describe('with the store reachable', function () {
    const name = 'exp-a';
    let owner: { tenant: string; tenantUid: string };
    let record: OffboardingRecord | undefined;

    before(async function () {
      operator = startOperator(operatorSettings());
      owner = { tenant: name, tenantUid: await exportTenant(name) };
      await deleteTenant(kc, name);
      await eventually(`tenant ${name} to be gone`, () => isGone(() => readTenant(kc, name)), 180_000);
      record = await exports.record(owner);
    });

    it('records the signed manifest, its digest and the key deletion date in the object store, which outlives the Tenant', async function () {
      assert.ok(record?.export && record.keyDeletion, JSON.stringify(record));
      assert.equal(record.deletionPolicy, 'Export');
      const manifestBytes = await store.getBytes(record.export.manifestKey);
      assert.ok(manifestBytes, 'the signed manifest is stored');
      assert.equal(sha256Hex(manifestBytes), record.export.sha256);
      const base = tenantPrefix(exports.prefix, owner);
      const id = record.export.exportId;
      assert.deepEqual(await storedKeys(owner), [
        `${base}${id}/archive.enc`,
        `${base}${id}/data-key.bin`,
        `${base}${id}/data-key.recipient.bin`,
        `${base}${id}/manifest.json`,
        `${base}export-manifest.json`,
        `${base}offboarding.json`,
      ]);
    });

    it("verifies the manifest with the operator's public key, and schedules the key's deletion after it", async function () {
      assert.ok(record?.export && record.keyDeletion);
      const text = Buffer.from((await store.getBytes(record.export.manifestKey)) ?? []).toString('utf8');
      const manifest = verifyExportManifest(text, signingKey.publicKey);
      assert.equal(manifest.tenantUid, owner.tenantUid);
      assert.deepEqual(manifest.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
      assert.ok(
        manifest.keyId.endsWith(record.keyDeletion.keyId),
        `the export is sealed under the key scheduled for deletion: ${manifest.keyId}`,
      );
      const key = await keyState(record.keyDeletion.keyId);
      assert.equal(key.state, 'PendingDeletion');
      assert.equal(key.deletionDate?.toISOString(), record.keyDeletion.deletionDate);
      assert.ok(Date.parse(record.keyDeletion.deletionDate) > Date.parse(manifest.createdAt));
      assert.equal(await databaseExists(databaseName({ metadata: { name } })), false, 'the database was dropped');
    });

    it("is opened by the customer's private key alone while the key is pending deletion, and pg_restore loads the same rows", async function () {
      assert.ok(record?.export && record.keyDeletion);
      assert.equal((await keyState(record.keyDeletion.keyId)).state, 'PendingDeletion', 'nobody cancelled the deletion');
      const text = Buffer.from((await store.getBytes(record.export.manifestKey)) ?? []).toString('utf8');
      const manifest = verifyExportManifest(text, signingKey.publicKey);
      assert.equal(manifest.formatVersion, 2);
      // What the customer downloads: the export's folder and the signed manifest, nothing else.
      const dir = mkdtempSync(join(tmpdir(), 'bulkhead-customer-'));
      const download = async (key: string): Promise<string> => {
        const bytes = await store.getBytes(key);
        assert.ok(bytes, `${key} is stored`);
        writeFileSync(join(dir, basename(key)), bytes);
        return join(dir, basename(key));
      };
      for (const key of [manifest.recipient.dataKey.key, manifest.backupManifest.key]) await download(key);
      const archive = await download(manifest.archive.key);
      const manifestFile = await download(record.export.manifestKey);
      const operatorPublic = join(dir, 'operator.pub.pem');
      writeFileSync(operatorPublic, signingKey.publicKey.export({ type: 'spki', format: 'pem' }));
      const privateFile = join(dir, 'customer.key.pem');
      writeFileSync(privateFile, customerKey.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
      const dump = join(dir, 'export.pgdump');
      const argv = ['--public-key', operatorPublic, '--recipient-key', privateFile, '--archive', archive, '--out', dump];
      const opened = await runBulkhead(['export', 'open', manifestFile, ...argv]);
      assert.equal(opened.code, 0, opened.stderr);

      const scratch = tenantDatabaseSpec('export-open', randomUUID());
      await adminQuery(`CREATE DATABASE ${scratch.databaseName}`);
      try {
        const restore = ['--no-owner', '--no-privileges', '--exit-on-error', '--dbname', scratch.databaseName, dump];
        await runPostgresTool('pg_restore', restore, scratch, { server: adminServer(), timeoutMillis: 60_000 });
        for (const table of manifest.tables) {
          const rows = await adminQuery<{ n: number }>(
            `SELECT count(*)::int AS n FROM "${table.schema}"."${table.table}"`,
            [],
            scratch.databaseName,
          );
          assert.equal(rows[0]?.n, table.rows, `${table.schema}.${table.table}`);
        }
        assert.deepEqual(manifest.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
      } finally {
        await adminQuery(`DROP DATABASE IF EXISTS ${scratch.databaseName} WITH (FORCE)`);
      }
    });

    it('refuses the manifest once a row count in it is changed', async function () {
      assert.ok(record?.export);
      const json = JSON.parse(Buffer.from((await store.getBytes(record.export.manifestKey)) ?? []).toString('utf8')) as {
        tables: { rows: number }[];
      };
      json.tables[0]!.rows = 4000;
      assert.throws(
        () => verifyExportManifest(JSON.stringify(json), signingKey.publicKey),
        (error: unknown) => error instanceof ExportManifestInvalid && error.reason === 'SignatureInvalid',
      );
    });

    it('restores to the 40 rows the tenant held, once the key deletion is cancelled within the waiting period', async function () {
      assert.ok(record?.export && record.keyDeletion);
      // KMS refuses to use a key pending deletion: reading the export means cancelling the
      // deletion first, as a platform admin would for a customer within the window.
      await kmsClient().send(new CancelKeyDeletionCommand({ KeyId: record.keyDeletion.keyId }));
      await kmsClient().send(new EnableKeyCommand({ KeyId: record.keyDeletion.keyId }));
      const database = new PostgresDatabaseProvider(adminServer(), { logger });
      const target = tenantDatabaseSpec('export-readback', randomUUID());
      try {
        await database.ensure(target, generatePassword());
        const readBack = new TenantBackups({ ...backups.options, prefix: exports.prefix });
        const restored = await restoreBackup(readBack, {
          source: owner,
          backupId: record.export.exportId,
          target,
          crossTenantOverride: true,
        });
        assert.deepEqual(restored.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
        const rows = await adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM orders', [], target.databaseName);
        assert.equal(rows[0]?.n, 40);
      } finally {
        await database.close();
        await adminQuery(`DROP DATABASE IF EXISTS ${target.databaseName} WITH (FORCE)`);
        await adminQuery(`DROP ROLE IF EXISTS ${target.roleName}`);
      }
    });
  });

  describe('killed with SIGKILL during the export', function () {
    const name = 'exp-crash';
    let owner: { tenant: string; tenantUid: string };

    before(async function () {
      await operator?.stop();
      operator = startOperator(operatorSettings());
      owner = { tenant: name, tenantUid: await exportTenant(name) };
      await operator.stop();
      operator = undefined;
      await deleteTenant(kc, name);
    });

    async function keyOfTenant(): Promise<string | undefined> {
      return (await kmsClient().send(new DescribeKeyCommand({ KeyId: keyAlias({ metadata: { name } }) }))).KeyMetadata?.KeyId;
    }

    it('marks nothing complete and leaves the key alone when killed after the archive upload', async function () {
      const crashing = startOperator(operatorSettings(), { BULKHEAD_CRASH_AT: backupCrashPoints.afterArchiveUpload });
      assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
      const keys = await storedKeys(owner);
      assert.ok(
        keys.some((key) => key.endsWith('/archive.enc')),
        `the archive was uploaded: ${keys.join(', ')}`,
      );
      assert.equal(keys.filter((key) => key.endsWith('manifest.json')).length, 0, 'no manifest of either kind');
      assert.equal((await exports.record(owner))?.export, undefined);
      const keyId = await keyOfTenant();
      assert.ok(keyId);
      assert.equal((await keyState(keyId)).state, 'Enabled', 'the key is not scheduled for deletion before the export is complete');
      assert.equal(await databaseExists(databaseName({ metadata: { name } })), true);
      assert.ok((await readTenant(kc, name)).metadata?.finalizers?.includes('bulkhead.dev/finalizer'));
    });

    it('signs the one complete export it finds when killed after the signed manifest, before the key', async function () {
      const crashing = startOperator(operatorSettings(), { BULKHEAD_CRASH_AT: exportCrashPoints.afterSignedManifestUpload });
      assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
      const keys = await storedKeys(owner);
      assert.equal(
        keys.filter((key) => key.endsWith('/archive.enc')).length,
        1,
        `the crashed run's parts were removed: ${keys.join(', ')}`,
      );
      assert.ok(keys.some((key) => key.endsWith('/export-manifest.json')));
      const keyId = await keyOfTenant();
      assert.ok(keyId);
      assert.equal((await keyState(keyId)).state, 'Enabled');
    });

    it('finishes on restart: one complete export, the key pending deletion, the Tenant gone last', async function () {
      const first = Buffer.from((await store.getBytes(exports.manifestKey(owner))) ?? []);
      operator = startOperator(operatorSettings());
      await eventually(`tenant ${name} to be gone`, () => isGone(() => readTenant(kc, name)), 180_000);
      const keys = await storedKeys(owner);
      assert.equal(keys.filter((key) => key.endsWith('/archive.enc')).length, 1, keys.join(', '));
      const record = await exports.record(owner);
      assert.ok(record?.export && record.keyDeletion);
      const signed = Buffer.from((await store.getBytes(record.export.manifestKey)) ?? []);
      assert.deepEqual(signed, first, 'the restart signed the same export again: the same bytes');
      const manifest = verifyExportManifest(signed.toString('utf8'), signingKey.publicKey);
      assert.deepEqual(manifest.tables, [{ schema: 'public', table: 'orders', rows: 40 }]);
      assert.equal((await keyState(record.keyDeletion.keyId)).state, 'PendingDeletion');
    });
  });

  describe('with the object store unreachable', function () {
    const name = 'exp-blocked';

    before(async function () {
      await operator?.stop();
      operator = startOperator(operatorSettings());
      await exportTenant(name);
      await operator.stop();
      // Nothing listens on port 9 of localhost: every request to the store fails.
      operator = startOperator(operatorSettings('http://127.0.0.1:9'));
      await deleteTenant(kc, name);
    });

    it('keeps the Tenant, its database and its key, and says ExportFailed', async function () {
      const tenant = await eventually(
        `${name} to report ExportFailed`,
        async () => {
          const current = await readTenant(kc, name);
          return condition(current, 'DatabaseReady')?.reason === 'ExportFailed' ? current : undefined;
        },
        120_000,
      );
      assert.match(condition(tenant, 'DatabaseReady')?.message ?? '', /final export of tenant exp-blocked could not be written/);
      assert.ok(tenant.metadata?.finalizers?.includes('bulkhead.dev/finalizer'));
      assert.equal(await databaseExists(databaseName({ metadata: { name } })), true);
      const { KeyMetadata } = await kmsClient().send(new DescribeKeyCommand({ KeyId: keyAlias({ metadata: { name } }) }));
      assert.equal(KeyMetadata?.KeyState, 'Enabled');
    });

    it('finishes once the store is back', async function () {
      await operator?.stop();
      operator = startOperator(operatorSettings());
      await eventually(`tenant ${name} to be gone`, () => isGone(() => readTenant(kc, name)), 180_000);
      assert.equal(await databaseExists(databaseName({ metadata: { name } })), false);
    });
  });

  describe('the audit of the offboarded tenants', function () {
    let checks: AuditCheck[];
    const client = (): KubeClient => KubeClient.load(testEnvironment().kubeconfig);
    const result = (id: string, tenant: string): AuditCheck | undefined =>
      checks.find((check) => check.id === id && check.tenant === tenant);

    async function audit(): Promise<AuditCheck[]> {
      const kube = client();
      try {
        const config = parseOperatorConfig({
          regions: operatorRegions(),
          network: { clusterCIDRs: clusterRanges(testEnvironment()) },
          ...operatorSettings(),
        });
        return (await auditOffboarding(kube, { tenants: [], config })).checks;
      } finally {
        kube.close();
      }
    }

    before(async function () {
      await operator?.stop();
      operator = undefined;
      // The export of exp-blocked loses its manifest: the audit must say so.
      const blocked = (await offboardingRecords()).find((entry) => entry.tenant === 'exp-blocked');
      assert.ok(blocked?.export);
      await store.delete([blocked.export.manifestKey]);
      checks = await audit();
    });

    async function offboardingRecords(): Promise<OffboardingRecord[]> {
      const keys = (await store.list(`${exports.prefix}tenants/`))
        .map((object) => object.key)
        .filter((key) => key.endsWith('/offboarding.json'));
      const records = await Promise.all(
        keys.map(async (key) => JSON.parse(Buffer.from((await store.getBytes(key)) ?? []).toString('utf8')) as OffboardingRecord),
      );
      return records;
    }

    it('reports the verified export manifest and the key pending deletion of a tenant offboarded cleanly', function () {
      const exported = result('database.offboarding-export', 'exp-crash');
      assert.equal(exported?.result, 'pass', exported?.message);
      assert.equal((exported.evidence as { signerKeyId: string }).signerKeyId.length, 64);
      const shredded = result('key.offboarding-shredded', 'exp-crash');
      assert.equal(shredded?.result, 'pass', shredded?.message);
      assert.ok((shredded.evidence as { deletionDate: string | null }).deletionDate);
    });

    it('finds a deleted tenant whose key deletion was cancelled', function () {
      assert.equal(result('database.offboarding-export', 'exp-a')?.result, 'pass');
      const shredded = result('key.offboarding-shredded', 'exp-a');
      assert.equal(shredded?.result, 'fail');
      assert.equal(shredded.reason, 'KeyNotPendingDeletion');
    });

    it('finds a deleted tenant whose export manifest is missing', function () {
      const exported = result('database.offboarding-export', 'exp-blocked');
      assert.equal(exported?.result, 'fail');
      assert.equal(exported.reason, 'ExportManifestMissing');
    });
  });
});
