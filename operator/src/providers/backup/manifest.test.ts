import assert from 'node:assert/strict';
import { BackupManifestSchema, newBackupId, parseManifest, rowCountMismatches, type BackupManifest } from './manifest.js';
import { backupIdOfKey, backupKey, tenantPrefix } from './layout.js';

const owner = { tenant: 'acme', tenantUid: '0c7a1f8e-5d4b-4a51-9d55-0123456789ab' };

function manifest(overrides: Partial<BackupManifest> = {}): BackupManifest {
  return {
    formatVersion: 1,
    backupId: '20261206T191500Z-0a1b2c',
    tenant: 'acme',
    tenantUid: owner.tenantUid,
    databaseName: 'tenant_acme',
    reason: 'Scheduled',
    createdAt: '2026-12-06T19:15:00.000Z',
    keyId: 'key-1',
    encryptionContext: { tenant: 'acme' },
    cipher: { algorithm: 'AES-256-GCM', iv: 'AAAAAAAAAAAAAAAA', authTag: 'AAAAAAAAAAAAAAAAAAAAAA==' },
    plaintext: { size: 10, sha256: 'a'.repeat(64) },
    ciphertext: { size: 10, sha256: 'b'.repeat(64) },
    tables: [{ schema: 'public', table: 'orders', rows: 3 }],
    ...overrides,
  };
}

describe('the backup manifest', () => {
  it('reads back what was written', () => {
    assert.deepEqual(parseManifest(JSON.stringify(manifest()), 'm'), manifest());
  });

  it('names the field and rule of a bad manifest', () => {
    assert.throws(() => parseManifest('{', 'backups/x'), /the backup manifest backups\/x is not JSON/);
    const bad = { ...manifest(), ciphertext: { size: 10, sha256: 'XYZ' } };
    assert.throws(() => parseManifest(JSON.stringify(bad), 'm'), /invalid: ciphertext\.sha256: must be a lower-case hex SHA-256/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest(), formatVersion: 2 }), 'm'), /invalid: formatVersion/);
    assert.throws(() => parseManifest(JSON.stringify({ ...manifest(), secret: 'x' }), 'm'), /invalid: \(root\)/);
  });

  it('makes ids that sort by time and tell two backups of one second apart', () => {
    const at = new Date('2026-12-06T19:15:00.123Z');
    assert.equal(newBackupId(at, '0a1b2c'), '20261206T191500Z-0a1b2c');
    assert.ok(BackupManifestSchema.shape.backupId.safeParse(newBackupId(at, 'ffffff')).success);
    assert.ok(newBackupId(new Date('2026-12-06T19:15:01Z'), '000000') > newBackupId(at, 'ffffff'));
  });

  it('names each table whose row count differs after a restore', () => {
    const backedUp = [
      { schema: 'public', table: 'orders', rows: 3 },
      { schema: 'public', table: 'items', rows: 7 },
      { schema: 'app', table: 'users', rows: 0 },
    ];
    assert.deepEqual(rowCountMismatches(backedUp, backedUp), []);
    assert.deepEqual(
      rowCountMismatches(backedUp, [
        { schema: 'public', table: 'orders', rows: 2 },
        { schema: 'app', table: 'users', rows: 0 },
      ]),
      ['public.orders: 3 rows backed up, 2 restored', 'public.items: 7 rows backed up, table missing'],
    );
  });
});

describe('the backup layout', () => {
  it("keeps every part under the tenant's own prefix, by name and UID", () => {
    assert.equal(tenantPrefix('bulkhead/', owner), `bulkhead/tenants/acme/${owner.tenantUid}/`);
    const key = backupKey('bulkhead/', owner, '20261206T191500Z-0a1b2c', 'manifest');
    assert.equal(key, `bulkhead/tenants/acme/${owner.tenantUid}/20261206T191500Z-0a1b2c/manifest.json`);
    assert.equal(backupIdOfKey('bulkhead/', owner, key), '20261206T191500Z-0a1b2c');
  });

  it('refuses names, UIDs and ids that could step outside that prefix', () => {
    assert.throws(() => tenantPrefix('', { tenant: '../other', tenantUid: owner.tenantUid }), /is not a DNS label/);
    assert.throws(() => tenantPrefix('', { tenant: 'acme', tenantUid: '../x' }), /is not a Kubernetes UID/);
    assert.throws(() => backupKey('', owner, '../20261206T191500Z-0a1b2c', 'archive'), /backup id .* must look like/);
  });

  it("does not count another tenant's keys, or a namesake's, as this tenant's backups", () => {
    const other = backupKey('', { tenant: 'acme-other', tenantUid: owner.tenantUid }, '20261206T191500Z-0a1b2c', 'archive');
    const namesake = backupKey('', { tenant: 'acme', tenantUid: 'another-uid' }, '20261206T191500Z-0a1b2c', 'archive');
    assert.equal(backupIdOfKey('', owner, other), undefined);
    assert.equal(backupIdOfKey('', owner, namesake), undefined);
    assert.equal(backupIdOfKey('', owner, `${tenantPrefix('', owner)}notes.txt`), undefined);
  });
});
