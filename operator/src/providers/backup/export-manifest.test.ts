import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { exportManifestOf, signExportManifest, verifyExportManifest, type UnsignedExportManifest } from './export-manifest.js';
import type { BackupManifest } from './manifest.js';

const backup: BackupManifest = {
  formatVersion: 1,
  backupId: '20261206T221500Z-0a1b2c',
  tenant: 'acme',
  tenantUid: '0c7a1f8e-5d4b-4a51-9d55-0123456789ab',
  databaseName: 'tenant_acme',
  reason: 'Export',
  createdAt: '2026-12-06T22:15:00.000Z',
  keyId: 'arn:aws:kms:eu-central-1:000000000000:key/1',
  encryptionContext: { 'bulkhead.dev/tenant': 'acme' },
  cipher: { algorithm: 'AES-256-GCM', iv: 'AAAAAAAAAAAAAAAA', authTag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
  plaintext: { size: 10, sha256: 'a'.repeat(64) },
  ciphertext: { size: 12, sha256: 'b'.repeat(64) },
  tables: [{ schema: 'public', table: 'orders', rows: 40 }],
};

const parts = {
  archive: { key: 'bulkhead/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/archive.enc', size: 12, sha256: 'b'.repeat(64) },
  dataKey: { key: 'bulkhead/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/data-key.bin', size: 5, sha256: 'c'.repeat(64) },
  backupManifest: { key: 'bulkhead/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/manifest.json', size: 7, sha256: 'd'.repeat(64) },
  recipient: {
    algorithm: 'RSA-OAEP-SHA256' as const,
    keyId: 'f'.repeat(64),
    dataKey: { key: 'bulkhead/exports/tenants/acme/uid/20261206T221500Z-0a1b2c/data-key.recipient.bin', size: 384, sha256: '9'.repeat(64) },
  },
};

const unsigned = exportManifestOf(backup, parts, { region: 'eu-central-1', bucket: 'backups' });
const operatorKey = generateKeyPairSync('ed25519');
const otherKey = generateKeyPairSync('ed25519');

/** A signed manifest with one field changed after signing. */
function tampered(change: (json: Record<string, unknown>) => void): string {
  const json = JSON.parse(signExportManifest(unsigned, operatorKey.privateKey).toString('utf8')) as Record<string, unknown>;
  change(json);
  return JSON.stringify(json);
}

describe('the signed export manifest', () => {
  it('verifies with the public key of the key that signed it, and reads back what was signed', () => {
    const file = signExportManifest(unsigned, operatorKey.privateKey).toString('utf8');
    const { signature, ...rest } = verifyExportManifest(file, operatorKey.publicKey);
    assert.deepEqual(rest, unsigned);
    assert.equal(signature.algorithm, 'Ed25519');
    assert.equal(rest.exportId, backup.backupId);
    assert.deepEqual(rest.tables, backup.tables);
  });

  it('is the same bytes when signed again, so a finalize repeated after a crash writes the same file', () => {
    assert.deepEqual(signExportManifest(unsigned, operatorKey.privateKey), signExportManifest(unsigned, operatorKey.privateKey));
  });

  it('fails verification when a row count is changed after signing', () => {
    const text = tampered((json) => {
      json.tables = [{ schema: 'public', table: 'orders', rows: 41 }];
    });
    assert.throws(() => verifyExportManifest(text, operatorKey.publicKey), { reason: 'SignatureInvalid' });
  });

  it("fails verification when the archive's digest is changed after signing", () => {
    const text = tampered((json) => {
      (json.archive as { sha256: string }).sha256 = 'e'.repeat(64);
    });
    assert.throws(() => verifyExportManifest(text, operatorKey.publicKey), /changed after signing/);
  });

  it('refuses a manifest signed by another key, even with that key embedded, naming both key ids', () => {
    const forged = signExportManifest(unsigned, otherKey.privateKey).toString('utf8');
    assert.throws(() => verifyExportManifest(forged, operatorKey.publicKey), { reason: 'UnexpectedSigner' });
  });

  it('names the field and rule of a malformed manifest, and refuses text that is not JSON', () => {
    const text = tampered((json) => {
      delete json.tenantUid;
    });
    assert.throws(() => verifyExportManifest(text, operatorKey.publicKey), /tenantUid/);
    assert.throws(() => verifyExportManifest('{', operatorKey.publicKey), { reason: 'NotJson' });
  });

  it('is format version 2, and refuses a version 2 manifest without its recipient', () => {
    assert.equal(unsigned.formatVersion, 2);
    const text = tampered((json) => {
      delete json.recipient;
    });
    assert.throws(() => verifyExportManifest(text, operatorKey.publicKey), /recipient/);
  });

  it('still verifies a version 1 manifest (no recipient) as the operator signed it before recipients', () => {
    const { recipient: _recipient, ...rest } = unsigned;
    const version1: UnsignedExportManifest = { ...rest, formatVersion: 1 };
    const verified = verifyExportManifest(signExportManifest(version1, operatorKey.privateKey).toString('utf8'), operatorKey.publicKey);
    assert.equal(verified.formatVersion, 1);
    assert.equal('recipient' in verified, false);
  });

  it("fails verification when the recipient's key id is changed after signing", () => {
    const text = tampered((json) => {
      (json.recipient as { keyId: string }).keyId = 'e'.repeat(64);
    });
    assert.throws(() => verifyExportManifest(text, operatorKey.publicKey), { reason: 'SignatureInvalid' });
  });

  it('refuses a signing key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => signExportManifest(unsigned, privateKey), /must be Ed25519/);
  });
});
