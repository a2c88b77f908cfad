/** `bulkhead export verify` on files: a signed export manifest, a changed one, another signer, the archive's digest. */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportManifestOf, sha256Hex, signExportManifest } from '../providers/backup/export-manifest.js';
import type { BackupManifest } from '../providers/backup/manifest.js';
import { runBulkhead } from './testing.js';

const archive = Buffer.from('sealed archive bytes');
const backup: BackupManifest = {
  formatVersion: 1,
  backupId: '20261206T221500Z-0a1b2c',
  tenant: 'acme',
  tenantUid: '0c7a1f8e-5d4b-4a51-9d55-0123456789ab',
  databaseName: 'tenant_acme',
  reason: 'Export',
  createdAt: '2026-12-06T22:15:00.000Z',
  keyId: 'arn:aws:kms:eu-central-1:000000000000:key/1',
  encryptionContext: { tenant: 'acme' },
  cipher: { algorithm: 'AES-256-GCM', iv: 'AAAAAAAAAAAAAAAA', authTag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
  plaintext: { size: 10, sha256: 'a'.repeat(64) },
  ciphertext: { size: archive.length, sha256: sha256Hex(archive) },
  tables: [
    { schema: 'public', table: 'orders', rows: 40 },
    { schema: 'public', table: 'items', rows: 2 },
  ],
};

describe('bulkhead export verify', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-export-verify-'));
  const operatorKey = generateKeyPairSync('ed25519');
  const otherKey = generateKeyPairSync('ed25519');
  const file = (name: string, content: string | Buffer): string => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const parts = {
    archive: { key: 'p/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/archive.enc', size: archive.length, sha256: sha256Hex(archive) },
    dataKey: { key: 'p/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/data-key.bin', size: 3, sha256: 'c'.repeat(64) },
    backupManifest: { key: 'p/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/manifest.json', size: 3, sha256: 'd'.repeat(64) },
    recipient: {
      algorithm: 'RSA-OAEP-SHA256' as const,
      keyId: 'e'.repeat(64),
      dataKey: { key: 'p/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/data-key.recipient.bin', size: 384, sha256: 'f'.repeat(64) },
    },
  };
  const signed = signExportManifest(exportManifestOf(backup, parts, { region: 'eu-central-1', bucket: 'backups' }), operatorKey.privateKey);
  const manifest = file('export-manifest.json', signed);
  const publicKey = file('operator.pub.pem', operatorKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());
  const otherPublicKey = file('other.pub.pem', otherKey.publicKey.export({ type: 'spki', format: 'pem' }).toString());

  it('says valid, with the tenant, the signer and the row counts, for the manifest as signed', async () => {
    const run = await runBulkhead(['export', 'verify', manifest, '--public-key', publicKey, '--archive', file('archive.enc', archive)]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^valid: export 20261206T221500Z-0a1b2c of tenant acme/);
    assert.match(run.stdout, /2 tables, 42 rows/);
    assert.match(run.stdout, new RegExp(`and to recipient key ${'e'.repeat(64)}`));
  });

  it('exits 1 naming the change when a row count was edited after signing', async () => {
    const json = JSON.parse(signed.toString('utf8')) as { tables: { rows: number }[] };
    json.tables[0]!.rows = 41;
    const run = await runBulkhead(['export', 'verify', file('tampered.json', JSON.stringify(json)), '--public-key', publicKey]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /invalid: .*changed after signing/);
  });

  it('exits 1 when another key is trusted than the one that signed', async () => {
    const run = await runBulkhead(['export', 'verify', manifest, '--public-key', otherPublicKey, '-o', 'json']);
    assert.equal(run.code, 1);
    const verdict = JSON.parse(run.stdout) as { valid: boolean; reason: string };
    assert.equal(verdict.valid, false);
    assert.match(verdict.reason, /not by the trusted key/);
  });

  it('exits 1 when the downloaded archive is not the one the manifest signs', async () => {
    const run = await runBulkhead(['export', 'verify', manifest, '--public-key', publicKey, '--archive', file('other.enc', 'other bytes')]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /has SHA-256 [0-9a-f]{64}, not the/);
  });

  it('is a usage error (2) without --public-key', async () => {
    assert.equal((await runBulkhead(['export', 'verify', manifest])).code, 2);
  });
});
