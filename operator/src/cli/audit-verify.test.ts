/** `bulkhead audit keygen` and `bulkhead audit verify` on files: exit codes, messages, refusals. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, loadPrivateKey, previousInStore, saveReport, signReport } from '../audit/report/index.js';
import { sampleReportParts } from '../audit/report/sample-parts.js';
import { buildPublication } from '../audit/publication.js';
import { gzipSync } from 'node:zlib';
import { parse } from 'yaml';
import { runBulkhead } from './testing.js';

const collect = (args: string[]) => runBulkhead(['audit', ...args]);

describe('bulkhead audit keygen and verify', () => {
  let dir: string;
  let keyId: string;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-verify-'));
    const keygen = await collect(['keygen', '--out', join(dir, 'keys')]);
    assert.equal(keygen.code, 0, keygen.stderr);
    keyId = /keyId: +([0-9a-f]{64})/.exec(keygen.stdout)?.[1] ?? '';
    const privateKey = loadPrivateKey(readFileSync(join(dir, 'keys/audit-signing.key')), 'key');
    for (const minute of [0, 5]) {
      const parts = {
        ...sampleReportParts(),
        generatedAt: new Date(Date.UTC(2026, 10, 27, 3, minute)),
        previous: previousInStore(join(dir, 'reports')),
      };
      saveReport(join(dir, 'reports'), signReport(buildReport(parts), privateKey));
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const report = () => join(dir, 'reports/audit-2026-11-27T03-00-00.000Z.json');
  const publicKey = () => join(dir, 'keys/audit-signing.pub.pem');

  it('verifies a report published in parts, exported with kubectl, and refuses it when a part was changed', async () => {
    const bytes = readFileSync(report());
    const compressed = gzipSync(bytes, { level: 0 });
    const publication = buildPublication(
      { namespace: 'bulkhead-system', name: 'r', labels: {}, partBytes: Math.ceil(compressed.length / 2) },
      bytes,
      compressed,
    );
    assert.equal(publication.parts.length, 2);
    const exported = join(dir, 'published.json');
    writeFileSync(exported, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [publication.head, ...publication.parts] }));
    const valid = await collect(['verify', '--published', exported, '--public-key', publicKey()]);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^signature valid: keyId [0-9a-f]{64}, generated 2026-11-27T03:00:00.000Z/);
    const slice = Buffer.from(publication.parts[0]?.binaryData?.['part.gz'] ?? '', 'base64');
    slice[slice.length - 1] = (slice[slice.length - 1] ?? 0) ^ 1;
    const changed = { ...publication.parts[0], binaryData: { 'part.gz': slice.toString('base64') } };
    writeFileSync(exported, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [publication.head, changed, publication.parts[1]] }));
    const invalid = await collect(['verify', '--published', exported, '--public-key', publicKey()]);
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^signature invalid: .*published.json: not a published report: part r-part-1 is \d+ bytes with digest/);
    const both = await collect(['verify', report(), '--published', exported, '--public-key', publicKey()]);
    assert.equal(both.code, 2);
    assert.match(
      both.stderr,
      /exactly one report FILE, one --published CONFIGMAPS.json, one --chain DIR, one --period FILE or one --fleet FILE/,
    );
  });

  it('writes the private key readable by its owner only, and refuses to replace it', async () => {
    assert.equal(statSync(join(dir, 'keys/audit-signing.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(publicKey(), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    const again = await collect(['keygen', '--out', join(dir, 'keys')]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('prints "signature valid" with keyId, time, checks and findings, by public key or by keyId', async () => {
    const byKey = await collect(['verify', report(), '--public-key', publicKey()]);
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.match(byKey.stdout, new RegExp(`^signature valid: keyId ${keyId}, generated 2026-11-27T03:00:00.000Z, 16 checks, 1 findings`));
    const byKeyId = await collect(['verify', report(), '--key-id', keyId.toUpperCase()]);
    assert.equal(byKeyId.code, 0, byKeyId.stderr);
  });

  it('exits 1 with the reason on a changed byte or an untrusted key', async () => {
    const tampered = join(dir, 'tampered.json');
    const bytes = readFileSync(report());
    bytes[bytes.indexOf('initech')] = 'I'.charCodeAt(0);
    writeFileSync(tampered, bytes);
    const changed = await collect(['verify', tampered, '--public-key', publicKey()]);
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /^signature invalid: .*tampered\.json: the signature does not match the content/);
    const wrongKey = await collect(['verify', report(), '--key-id', '0'.repeat(64)]);
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /untrusted key/);
  });

  it('prints the text summary and writes the HTML only for a report that verified', async () => {
    const html = join(dir, 'report.html');
    const valid = await collect(['verify', report(), '--public-key', publicKey(), '--text', '--html', html]);
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^Bulkhead audit: FAIL \(1 finding in 16 checks\)$/m);
    assert.match(readFileSync(html, 'utf8'), /<span id="verdict" class="verdict fail">FAIL<\/span>/);
    const untrustedHtml = join(dir, 'untrusted.html');
    const untrusted = await collect(['verify', report(), '--key-id', 'f'.repeat(64), '--text', '--html', untrustedHtml]);
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.stdout, '');
    assert.equal(existsSync(untrustedHtml), false);
  });

  it('prints the verdict as a document with -o json or -o yaml, valid or not', async () => {
    const valid = await collect(['verify', report(), '--public-key', publicKey(), '-o', 'json']);
    assert.equal(valid.code, 0, valid.stderr);
    assert.deepEqual(Object.keys(JSON.parse(valid.stdout) as object), [
      'valid',
      'file',
      'keyId',
      'digest',
      'generatedAt',
      'checks',
      'findings',
    ]);
    assert.equal((JSON.parse(valid.stdout) as { keyId: string }).keyId, keyId);
    const untrusted = await collect(['verify', report(), '--key-id', '0'.repeat(64), '-o', 'yaml']);
    assert.equal(untrusted.code, 1);
    assert.deepEqual(parse(untrusted.stdout), {
      valid: false,
      file: report(),
      reason: (parse(untrusted.stdout) as { reason: string }).reason,
    });
    assert.match(untrusted.stdout, /reason: .*untrusted key/);
    const chain = JSON.parse((await collect(['verify', '--chain', join(dir, 'reports'), '--key-id', keyId, '-o', 'json'])).stdout) as {
      valid: boolean;
      reports: number;
    };
    assert.deepEqual([chain.valid, chain.reports], [true, 2]);
  });

  it('prints the new key pair as a document with -o json', async () => {
    const keys = await collect(['keygen', '--out', join(dir, 'json-keys'), '--name', 'second', '-o', 'json']);
    assert.equal(keys.code, 0, keys.stderr);
    const document = JSON.parse(keys.stdout) as { privateKey: string; publicKey: string; keyId: string };
    assert.equal(document.privateKey, join(dir, 'json-keys/second.key'));
    assert.match(readFileSync(document.publicKey, 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    assert.match(document.keyId, /^[0-9a-f]{64}$/);
    const badName = await collect(['keygen', '--out', join(dir, 'json-keys'), '--name', '../escape']);
    assert.equal(badName.code, 2);
    assert.match(badName.stderr, /--name \.\.\/escape: expected letters, digits/);
  });

  it('verifies a chain directory', async () => {
    const chain = await collect(['verify', '--chain', join(dir, 'reports'), '--public-key', publicKey()]);
    assert.equal(chain.code, 0, chain.stderr);
    assert.match(chain.stdout, /^chain valid: 2 reports/);
  });

  it('refuses to verify without a trusted key, or with both, or without a file (exit 2)', async () => {
    for (const args of [[report()], ['--public-key', publicKey()], [report(), '--key-id', 'abc']]) {
      const run = await collect(['verify', ...args]);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /^error: .*(exactly one|at least one|--key-id abc: expected 64 hex digits)/);
    }
    const missingKey = await collect(['verify', report(), '--public-key', join(dir, 'nope.pem')]);
    assert.equal(missingKey.code, 2);
    assert.match(missingKey.stderr, /--public-key .*nope\.pem: cannot be read \(ENOENT\)/);
  });
});
