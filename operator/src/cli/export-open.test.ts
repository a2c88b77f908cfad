/** `bulkhead export open` on files: the customer's round trip, and every check that must refuse. */
import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encryptFile } from '../providers/backup/envelope.js';
import { exportManifestOf, publicKeyId, sha256Hex, signExportManifest } from '../providers/backup/export-manifest.js';
import type { BackupManifest } from '../providers/backup/manifest.js';
import { sealToRecipient } from '../providers/backup/recipient-seal.js';
import { runBulkhead } from './testing.js';

const exportId = '20261206T221500Z-0a1b2c';
const pem = (key: { export: (options: { type: 'spki' | 'pkcs8'; format: 'pem' }) => string | Buffer }, type: 'spki' | 'pkcs8'): string =>
  key.export({ type, format: 'pem' }).toString();

describe('bulkhead export open', function () {
  this.timeout(20_000);
  const dir = mkdtempSync(join(tmpdir(), 'bulkhead-export-open-'));
  const file = (name: string, content: string | Buffer): string => {
    writeFileSync(join(dir, name), content);
    return join(dir, name);
  };
  const operatorKey = generateKeyPairSync('ed25519');
  const customerKey = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const strangerKey = generateKeyPairSync('rsa', { modulusLength: 3072 });
  const dump = randomBytes(50_000);
  let args: { manifest: string; publicKey: string; recipientKey: string; archive: string };
  let signed: Buffer;
  let unsigned: ReturnType<typeof exportManifestOf>;
  let outCount = 0;
  const out = (): string => join(dir, `dump-${++outCount}.pgdump`);

  before(async function () {
    const dataKey = randomBytes(32);
    const sealed = await encryptFile(file('dump.plain', dump), join(dir, 'archive.enc'), dataKey);
    const backup: BackupManifest = {
      formatVersion: 1,
      backupId: exportId,
      tenant: 'acme',
      tenantUid: '0c7a1f8e-5d4b-4a51-9d55-0123456789ab',
      databaseName: 'tenant_acme',
      reason: 'Export',
      createdAt: '2026-12-06T22:15:00.000Z',
      keyId: 'arn:aws:kms:eu-central-1:000000000000:key/1',
      encryptionContext: { 'bulkhead.dev/tenant': 'acme' },
      cipher: { algorithm: 'AES-256-GCM', iv: sealed.iv.toString('base64'), authTag: sealed.authTag.toString('base64') },
      plaintext: sealed.plaintext,
      ciphertext: sealed.ciphertext,
      tables: [{ schema: 'public', table: 'orders', rows: 40 }],
    };
    const backupBytes = Buffer.from(JSON.stringify(backup));
    file('manifest.json', backupBytes);
    const recipientSealed = sealToRecipient(dataKey, customerKey.publicKey);
    file('data-key.recipient.bin', recipientSealed);
    const prefix = `p/exports/tenants/acme/uid/${exportId}/`;
    const parts = {
      archive: { key: `${prefix}archive.enc`, size: sealed.ciphertext.size, sha256: sealed.ciphertext.sha256 },
      dataKey: { key: `${prefix}data-key.bin`, size: 3, sha256: 'c'.repeat(64) },
      backupManifest: { key: `${prefix}manifest.json`, size: backupBytes.length, sha256: sha256Hex(backupBytes) },
      recipient: {
        algorithm: 'RSA-OAEP-SHA256' as const,
        keyId: publicKeyId(customerKey.publicKey),
        dataKey: { key: `${prefix}data-key.recipient.bin`, size: recipientSealed.length, sha256: sha256Hex(recipientSealed) },
      },
    };
    unsigned = exportManifestOf(backup, parts, { region: 'eu-central-1', bucket: 'backups' });
    signed = signExportManifest(unsigned, operatorKey.privateKey);
    args = {
      manifest: file('export-manifest.json', signed),
      publicKey: file('operator.pub.pem', pem(operatorKey.publicKey, 'spki')),
      recipientKey: file('customer.key.pem', pem(customerKey.privateKey, 'pkcs8')),
      archive: join(dir, 'archive.enc'),
    };
  });

  const open = (overrides: Partial<typeof args> & { out?: string; extra?: string[] } = {}) => {
    const { manifest, publicKey, recipientKey, archive } = { ...args, ...overrides };
    const target = overrides.out ?? out();
    const argv = [
      'export',
      'open',
      manifest,
      '--public-key',
      publicKey,
      '--recipient-key',
      recipientKey,
      '--archive',
      archive,
      '--out',
      target,
    ];
    return { target, run: runBulkhead([...argv, ...(overrides.extra ?? [])]) };
  };

  it("writes the dump the operator sealed, opened with the customer's private key alone", async () => {
    const { target, run } = open();
    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(readFileSync(target), dump);
    assert.match(result.stdout, new RegExp(`^opened: export ${exportId} of tenant acme written to`));
    assert.match(result.stdout, /pg_restore/);
  });

  it('refuses another private key, naming the key the export is sealed to, and writes nothing', async () => {
    const { target, run } = open({ recipientKey: file('stranger.key.pem', pem(strangerKey.privateKey, 'pkcs8')), extra: ['-o', 'json'] });
    const result = await run;
    assert.equal(result.code, 1);
    const verdict = JSON.parse(result.stdout) as { opened: boolean; reason: string };
    assert.equal(verdict.opened, false);
    assert.match(verdict.reason, new RegExp(`sealed to recipient key ${publicKeyId(customerKey.publicKey)}, not to`));
    assert.equal(existsSync(target), false);
  });

  it('refuses an archive with one byte changed before decrypting anything', async () => {
    const changed = readFileSync(args.archive);
    changed[100] = (changed[100] ?? 0) ^ 0xff;
    const { target, run } = open({ archive: file('changed/archive.enc'.replace('/', '-'), changed) });
    const result = await run;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /not opened: the archive .* has SHA-256 [0-9a-f]{64}, not the/);
    assert.equal(existsSync(target), false);
  });

  it('refuses a manifest changed after signing', async () => {
    const json = JSON.parse(signed.toString('utf8')) as { recipient: { keyId: string } };
    json.recipient.keyId = publicKeyId(strangerKey.publicKey);
    const { run } = open({ manifest: file('forged.json', JSON.stringify(json)) });
    const result = await run;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /changed after signing/);
  });

  it('refuses a sealed data key that is not the one the manifest signs', async () => {
    const { run } = open({
      extra: ['--recipient-data-key', file('other-key.bin', sealToRecipient(randomBytes(32), customerKey.publicKey))],
    });
    const result = await run;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /the sealed data key .* has SHA-256/);
  });

  it('says a version 1 manifest opens only with the KMS key, not with a recipient key', async () => {
    const { recipient: _recipient, ...rest } = unsigned;
    const version1 = signExportManifest({ ...rest, formatVersion: 1 }, operatorKey.privateKey);
    const { run } = open({ manifest: file('version1.json', version1) });
    const result = await run;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /manifest format version 1: its data key is sealed only under the tenant's KMS key/);
  });

  it('does not overwrite an existing file', async () => {
    const existing = file('existing.pgdump', 'mine');
    const result = await open({ out: existing }).run;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /exists; name a new file with --out/);
    assert.equal(readFileSync(existing, 'utf8'), 'mine');
  });

  it('is a usage error (2) without --recipient-key', async () => {
    const result = await runBulkhead([
      'export',
      'open',
      args.manifest,
      '--public-key',
      args.publicKey,
      '--archive',
      args.archive,
      '--out',
      out(),
    ]);
    assert.equal(result.code, 2);
  });
});
