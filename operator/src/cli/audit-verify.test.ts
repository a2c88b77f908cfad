/** `bulkhead audit keygen` and `bulkhead audit verify` on files: exit codes, messages, refusals. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { buildReport, loadPrivateKey, previousInStore, saveReport, signReport } from '../audit/report/index.js';
import { sampleReportParts } from '../audit/report/sample-parts.js';
import { runAuditKeygen } from './audit-keygen.js';
import { runAuditVerify } from './audit-verify.js';
import { buildPublication } from '../audit/publication.js';
import { gzipSync } from 'node:zlib';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function collect(command: (out: PassThrough, errors: PassThrough) => number): Run {
  const out = new PassThrough();
  const errors = new PassThrough();
  const code = command(out, errors);
  return { code, stdout: String(out.read() ?? ''), stderr: String(errors.read() ?? '') };
}

describe('bulkhead audit keygen and verify', () => {
  let dir: string;
  let keyId: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-verify-'));
    const keygen = collect((out, errors) => runAuditKeygen(['--out', join(dir, 'keys')], out, errors));
    assert.equal(keygen.code, 0, keygen.stderr);
    keyId = /keyId: +([0-9a-f]{64})/.exec(keygen.stdout)?.[1] ?? '';
    const privateKey = loadPrivateKey(readFileSync(join(dir, 'keys/audit-signing.key')), 'key');
    for (const minute of [0, 5]) {
      const parts = { ...sampleReportParts(), generatedAt: new Date(Date.UTC(2026, 10, 27, 3, minute)), previous: previousInStore(join(dir, 'reports')) };
      saveReport(join(dir, 'reports'), signReport(buildReport(parts), privateKey));
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const report = () => join(dir, 'reports/audit-2026-11-27T03-00-00.000Z.json');
  const publicKey = () => join(dir, 'keys/audit-signing.pub.pem');

  it('verifies a report published in parts, exported with kubectl, and refuses it when a part was changed', () => {
    const bytes = readFileSync(report());
    const compressed = gzipSync(bytes, { level: 0 });
    const publication = buildPublication({ namespace: 'bulkhead-system', name: 'r', labels: {}, partBytes: Math.ceil(compressed.length / 2) }, bytes, compressed);
    assert.equal(publication.parts.length, 2);
    const exported = join(dir, 'published.json');
    writeFileSync(exported, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [publication.head, ...publication.parts] }));
    const valid = collect((out, errors) => runAuditVerify(['--published', exported, '--public-key', publicKey()], out, errors));
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^signature valid: keyId [0-9a-f]{64}, generated 2026-11-27T03:00:00.000Z/);
    const slice = Buffer.from(publication.parts[0]?.binaryData?.['part.gz'] ?? '', 'base64');
    slice[slice.length - 1] = (slice[slice.length - 1] ?? 0) ^ 1;
    const changed = { ...publication.parts[0], binaryData: { 'part.gz': slice.toString('base64') } };
    writeFileSync(exported, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [publication.head, changed, publication.parts[1]] }));
    const invalid = collect((out, errors) => runAuditVerify(['--published', exported, '--public-key', publicKey()], out, errors));
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /^signature invalid: .*published.json: not a published report: part r-part-1 is \d+ bytes with digest/);
  });

  it('writes the private key readable by its owner only, and refuses to replace it', () => {
    assert.equal(statSync(join(dir, 'keys/audit-signing.key')).mode & 0o777, 0o600);
    assert.match(readFileSync(publicKey(), 'utf8'), /^-----BEGIN PUBLIC KEY-----/);
    const again = collect((out, errors) => runAuditKeygen(['--out', join(dir, 'keys')], out, errors));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /already exists/);
  });

  it('prints "signature valid" with keyId, time, checks and findings, by public key or by keyId', () => {
    const byKey = collect((out, errors) => runAuditVerify([report(), '--public-key', publicKey()], out, errors));
    assert.equal(byKey.code, 0, byKey.stderr);
    assert.match(byKey.stdout, new RegExp(`^signature valid: keyId ${keyId}, generated 2026-11-27T03:00:00.000Z, 16 checks, 1 findings`));
    const byKeyId = collect((out, errors) => runAuditVerify([report(), '--key-id', keyId.toUpperCase()], out, errors));
    assert.equal(byKeyId.code, 0, byKeyId.stderr);
  });

  it('exits 1 with the reason on a changed byte or an untrusted key', () => {
    const tampered = join(dir, 'tampered.json');
    const bytes = readFileSync(report());
    bytes[bytes.indexOf('initech')] = 'I'.charCodeAt(0);
    writeFileSync(tampered, bytes);
    const changed = collect((out, errors) => runAuditVerify([tampered, '--public-key', publicKey()], out, errors));
    assert.equal(changed.code, 1);
    assert.match(changed.stderr, /^signature invalid: .*tampered\.json: the signature does not match the content/);
    const wrongKey = collect((out, errors) => runAuditVerify([report(), '--key-id', '0'.repeat(64)], out, errors));
    assert.equal(wrongKey.code, 1);
    assert.match(wrongKey.stderr, /untrusted key/);
  });

  it('prints the text summary and writes the HTML only for a report that verified', () => {
    const html = join(dir, 'report.html');
    const valid = collect((out, errors) => runAuditVerify([report(), '--public-key', publicKey(), '--text', '--html', html], out, errors));
    assert.equal(valid.code, 0, valid.stderr);
    assert.match(valid.stdout, /^Bulkhead audit: FAIL \(1 finding in 16 checks\)$/m);
    assert.match(readFileSync(html, 'utf8'), /<span id="verdict" class="verdict fail">FAIL<\/span>/);
    const untrustedHtml = join(dir, 'untrusted.html');
    const untrusted = collect((out, errors) => runAuditVerify([report(), '--key-id', 'f'.repeat(64), '--text', '--html', untrustedHtml], out, errors));
    assert.equal(untrusted.code, 1);
    assert.equal(untrusted.stdout, '');
    assert.equal(existsSync(untrustedHtml), false);
  });

  it('verifies a chain directory', () => {
    const chain = collect((out, errors) => runAuditVerify(['--chain', join(dir, 'reports'), '--public-key', publicKey()], out, errors));
    assert.equal(chain.code, 0, chain.stderr);
    assert.match(chain.stdout, /^chain valid: 2 reports/);
  });

  it('refuses to verify without a trusted key, or with both, or without a file (exit 2)', () => {
    for (const args of [[report()], [report(), '--public-key', publicKey(), '--key-id', keyId], ['--public-key', publicKey()], [report(), '--key-id', 'abc']]) {
      const run = collect((out, errors) => runAuditVerify(args, out, errors));
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.stderr, /^bulkhead audit verify: .*(exactly one|--key-id abc: expected 64 hex digits)/);
    }
    const missingKey = collect((out, errors) => runAuditVerify([report(), '--public-key', join(dir, 'nope.pem')], out, errors));
    assert.equal(missingKey.code, 2);
    assert.match(missingKey.stderr, /--public-key .*nope\.pem: cannot be read \(ENOENT\)/);
  });
});
