/** `bulkhead audit verify --fleet`: per-cell keys, the cells named as the list that must be there, and the refusals. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFleetReport } from '../audit/fleet/build.js';
import type { FleetAuditReport } from '../audit/fleet/schema.js';
import { buildReport, generateSigningKey, loadPrivateKey, serializeReport, signReport } from '../audit/report/index.js';
import { sampleReportParts } from '../audit/report/sample-parts.js';
import { runBulkhead } from './testing.js';

const keys = { eu: generateSigningKey(), us: generateSigningKey() };
const now = new Date();

function signed(key: keyof typeof keys): Buffer {
  const report = buildReport({ ...sampleReportParts(), generatedAt: new Date(now.getTime() - 60_000), previous: null });
  return serializeReport(signReport(report, loadPrivateKey(keys[key].privateKey, key)));
}

describe('bulkhead audit verify --fleet', () => {
  let dir: string;
  const file = (name: string, report: FleetAuditReport) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(report));
    return path;
  };
  const fleet = (): FleetAuditReport =>
    buildFleetReport(
      [
        { cell: { name: 'eu-1', regions: ['eu-central-1'] }, outcome: 'published', bytes: signed('eu') },
        { cell: { name: 'us-1', regions: ['us-east-1'] }, outcome: 'unreachable', detail: 'connect ECONNREFUSED 127.0.0.1:1' },
      ],
      { generatedAt: now, staleAfterSeconds: 1800 },
    );

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-fleet-verify-'));
    writeFileSync(join(dir, 'eu.pub.pem'), keys.eu.publicKey);
    writeFileSync(join(dir, 'us.pub.pem'), keys.us.publicKey);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies each cell against its own key, by file or keyId, and names the cell that gave no evidence', async () => {
    const run = await runBulkhead([
      'audit',
      'verify',
      '--fleet',
      file('fleet.json', fleet()),
      '--cell',
      `eu-1=${join(dir, 'eu.pub.pem')}`,
      '--cell',
      `us-1=${keys.us.keyId}`,
    ]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^fleet report valid but incomplete: 1 of 2 cells carry a verified report, fleet result fail/);
    assert.match(run.stdout, new RegExp(`eu-1: reported, signature valid: keyId ${keys.eu.keyId}, .*3 tenants`));
    assert.match(run.stdout, /us-1: unreachable, no evidence from this cell: connect ECONNREFUSED/);
  });

  it("exits 1 naming a dropped cell, and a cell verified against the wrong cell's key", async () => {
    const dropped = fleet();
    dropped.cells = dropped.cells.filter((cell) => cell.name !== 'us-1');
    dropped.summary = { ...dropped.summary, cells: 1, unreachable: 0 };
    const args = ['--cell', `eu-1=${join(dir, 'eu.pub.pem')}`, '--cell', `us-1=${join(dir, 'us.pub.pem')}`];
    const run = await runBulkhead(['audit', 'verify', '--fleet', file('dropped.json', dropped), ...args]);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /fleet report invalid: .*cell us-1 is not in the fleet report at all/);
    const crossed = await runBulkhead([
      'audit',
      'verify',
      '--fleet',
      file('crossed.json', fleet()),
      '--cell',
      `eu-1=${join(dir, 'us.pub.pem')}`,
      '--cell',
      `us-1=${join(dir, 'us.pub.pem')}`,
    ]);
    assert.equal(crossed.code, 1);
    assert.match(crossed.stderr, /cell eu-1: signature invalid: signed by an untrusted key/);
  });

  it('prints the verdict as a document with -o json', async () => {
    const run = await runBulkhead([
      'audit',
      'verify',
      '--fleet',
      file('json.json', fleet()),
      '--cell',
      `eu-1=${keys.eu.keyId}`,
      '--cell',
      `us-1=${keys.us.keyId}`,
      '-o',
      'json',
    ]);
    assert.equal(run.code, 0, run.stderr);
    const verdict = JSON.parse(run.stdout) as { valid: boolean; complete: boolean; cells: { name: string; digest?: string }[] };
    assert.equal(verdict.valid, true);
    assert.equal(verdict.complete, false);
    assert.match(verdict.cells[0]?.digest ?? '', /^sha256:/);
  });

  it('refuses fleet-wide keys, missing --cell and a malformed one with a usage error', async () => {
    const path = file('usage.json', fleet());
    const wide = await runBulkhead(['audit', 'verify', '--fleet', path, '--key-id', keys.eu.keyId]);
    assert.equal(wide.code, 2);
    assert.match(wide.stderr, /takes its keys per cell: --cell NAME=PEM/);
    const none = await runBulkhead(['audit', 'verify', '--fleet', path]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /give --cell NAME=PEM \(or NAME=KEYID\) for every cell/);
    const bad = await runBulkhead(['audit', 'verify', '--fleet', path, '--cell', 'EU_1']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--cell EU_1: expected NAME=PEM-FILE or NAME=KEYID/);
    const stray = await runBulkhead(['audit', 'verify', path, '--cell', `eu-1=${keys.eu.keyId}`, '--key-id', keys.eu.keyId]);
    assert.equal(stray.code, 2);
    assert.match(stray.stderr, /--cell names the keys of a --fleet report/);
  });
});
