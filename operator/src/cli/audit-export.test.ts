/** `bulkhead audit export`: OSCAL and CSV of a report, only after its signature verified when a key is given. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport, generateSigningKey, loadPrivateKey, saveReport, signReport } from '../audit/report/index.js';
import { sampleReportParts } from '../audit/report/sample-parts.js';
import { runBulkhead } from './testing.js';

const exportReport = (args: string[]) => runBulkhead(['audit', 'export', ...args]);

describe('bulkhead audit export', () => {
  let dir: string;
  let report: string;
  let publicKey: string;
  let otherKey: string;
  let keyId: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-export-'));
    const keys = generateSigningKey();
    keyId = keys.keyId;
    publicKey = join(dir, 'signer.pub.pem');
    otherKey = join(dir, 'other.pub.pem');
    writeFileSync(publicKey, keys.publicKey);
    writeFileSync(otherKey, generateSigningKey().publicKey);
    report = saveReport(join(dir, 'reports'), signReport(buildReport(sampleReportParts()), loadPrivateKey(keys.privateKey, 'key'))).path;
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes OSCAL assessment-results of a verified report, the same bytes every time', async () => {
    const first = await exportReport(['--report', report, '--public-key', publicKey]);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(first.stderr, '');
    const document = JSON.parse(first.stdout) as { 'assessment-results': { metadata: { 'oscal-version': string }; results: unknown[] } };
    assert.equal(document['assessment-results'].metadata['oscal-version'], '1.1.3');
    assert.equal(document['assessment-results'].results.length, 1);
    const again = await exportReport(['--report', report, '--key-id', keyId, '-o', 'oscal']);
    assert.equal(again.stdout, first.stdout);
    // Trusted keys repeat as in `audit verify`: one of them signing is enough.
    const amongOthers = await exportReport([
      '--report',
      report,
      '--public-key',
      otherKey,
      '--key-id',
      '0'.repeat(64),
      '--public-key',
      publicKey,
    ]);
    assert.equal(amongOthers.code, 0, amongOthers.stderr);
    assert.equal(amongOthers.stdout, first.stdout);
  });

  it('writes the CSV to --out', async () => {
    const out = join(dir, 'checks.csv');
    const run = await exportReport(['--report', report, '--public-key', publicKey, '--format', 'csv', '--out', out]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /wrote CSV to .*checks\.csv/);
    const csv = readFileSync(out, 'utf8');
    assert.match(csv, /^"report_time","check_id","category","tenant","result","reason","controls","title","detail"\r\n/);
    assert.equal(csv.split('\r\n').length - 2, 16);
  });

  it('refuses a report whose signature fails, and writes nothing', async () => {
    const changed = join(dir, 'changed.json');
    writeFileSync(changed, readFileSync(report, 'utf8').replace('"result":"fail"', '"result":"pass"'));
    const out = join(dir, 'changed.oscal.json');
    const run = await exportReport(['--report', changed, '--public-key', publicKey, '--out', out]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^not exported: .*changed\.json: signature invalid: the signature does not match the content/);
    assert.equal(existsSync(out), false);
    const untrusted = await exportReport(['--report', report, '--public-key', otherKey]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /signature invalid: signed by an untrusted key/);
    assert.equal(untrusted.stdout, '');
  });

  it('exports without a key only a report in canonical form, and says the signature was not checked', async () => {
    const unchecked = await exportReport(['--report', report, '-o', 'csv']);
    assert.equal(unchecked.code, 0);
    assert.match(unchecked.stderr, /exported without checking the signature: give --public-key or --key-id/);
    const pretty = join(dir, 'pretty.json');
    writeFileSync(pretty, JSON.stringify(JSON.parse(readFileSync(report, 'utf8')), null, 2));
    const refused = await exportReport(['--report', pretty]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /not exported: .*pretty\.json: not in canonical form/);
  });

  it('exits 2 on bad usage, naming the flag', async () => {
    for (const [args, message] of [
      [['--public-key', publicKey], /required option '--report <file>' not specified/],
      [['--report', report, '-o', 'pdf'], /'-o, --output <format>' argument 'pdf' is invalid\. Allowed choices are oscal, csv/],
      [['--report', report, '--key-id', 'abc'], /--key-id abc: expected 64 hex digits/],
      [['--report', report, '--public-key', join(dir, 'missing.pem')], /--public-key .*missing\.pem: cannot be read \(ENOENT\)/],
      [['--report', report, '--out', join(dir, 'no/such/dir/x.csv')], /--out .*x\.csv: ENOENT/],
    ] as const) {
      const run = await exportReport([...args]);
      assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
    }
  });
});
