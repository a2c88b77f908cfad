import assert from 'node:assert/strict';
import { buildReport } from '../report/build.js';
import { sampleReportParts } from '../report/sample-parts.js';
import { digestOf, generateSigningKey, loadPrivateKey, loadPublicKey, serializeReport, signReport } from '../report/signing.js';
import type { TrustedKey } from '../report/verify.js';
import { buildFleetReport, type CellRead } from './build.js';
import type { FleetAuditReport } from './schema.js';
import { verifyFleetReport, type FleetTrust } from './verify.js';

const now = new Date(Date.UTC(2026, 11, 7, 12, 0));
const keysOf = { 'eu-1': generateSigningKey(), 'us-1': generateSigningKey() };

function signedBy(cell: keyof typeof keysOf, generatedAt = new Date(now.getTime() - 60_000)): Buffer {
  const report = buildReport({ ...sampleReportParts(), generatedAt, previous: null });
  return serializeReport(signReport(report, loadPrivateKey(keysOf[cell].privateKey, cell)));
}

const ref = (name: string) => ({ name, regions: [name.startsWith('eu') ? 'eu-central-1' : 'us-east-1'] });
const trust = (...names: (keyof typeof keysOf)[]): FleetTrust =>
  new Map(names.map((name) => [name, [loadPublicKey(keysOf[name].publicKey, name)] as TrustedKey[]]));
const fleet = (reads: CellRead[]): FleetAuditReport => buildFleetReport(reads, { generatedAt: now, staleAfterSeconds: 1800 });
const bytesOf = (report: FleetAuditReport) => Buffer.from(JSON.stringify(report));
const both = (): FleetAuditReport =>
  fleet([
    { cell: ref('eu-1'), outcome: 'published', bytes: signedBy('eu-1') },
    { cell: ref('us-1'), outcome: 'published', bytes: signedBy('us-1') },
  ]);

function refused(report: FleetAuditReport, names = trust('eu-1', 'us-1')): string {
  const verification = verifyFleetReport(bytesOf(report), names);
  assert.equal(verification.ok, false, 'the fleet report was accepted');
  return verification.ok ? '' : verification.reason;
}

describe('a fleet audit report', function () {
  it("carries each cell's signed bytes, verified against that cell's key, with the summary they give", function () {
    const report = both();
    assert.deepEqual(report.summary, {
      cells: 2,
      reported: 2,
      stale: 0,
      missing: 0,
      unreachable: 0,
      unreadable: 0,
      tenants: 6,
      result: 'fail',
    });
    assert.equal(report.cells[0]?.report?.tenants, 3);
    assert.equal((report.cells[0]?.report?.passed ?? 0) + (report.cells[0]?.report?.failed ?? 0), 3);
    const verification = verifyFleetReport(bytesOf(report), trust('eu-1', 'us-1'));
    assert.ok(verification.ok, verification.ok ? '' : verification.reason);
    assert.equal(verification.complete, true);
    assert.deepEqual(
      verification.cells.map((cell) => `${cell.name}:${cell.verified}`),
      ['eu-1:true', 'us-1:true'],
    );
  });

  it('lists a cell that could not be read as such, and verifies as incomplete rather than failing', function () {
    const report = fleet([
      { cell: ref('eu-1'), outcome: 'published', bytes: signedBy('eu-1') },
      { cell: ref('us-1'), outcome: 'unreachable', detail: 'connect ECONNREFUSED' },
    ]);
    assert.equal(report.summary.unreachable, 1);
    assert.equal(report.summary.result, 'fail', 'a failing carried report outweighs an incomplete fleet');
    const verification = verifyFleetReport(bytesOf(report), trust('eu-1', 'us-1'));
    assert.ok(verification.ok, verification.ok ? '' : verification.reason);
    assert.equal(verification.complete, false);
    assert.deepEqual(verification.cells[1], { name: 'us-1', status: 'unreachable', verified: false, detail: 'connect ECONNREFUSED' });
  });

  it('marks a report older than the bound stale, and refuses a stale mark that is not true', function () {
    const old = new Date(now.getTime() - 2 * 3600_000);
    const report = fleet([{ cell: ref('eu-1'), outcome: 'published', bytes: signedBy('eu-1', old) }]);
    assert.equal(report.cells[0]?.status, 'stale');
    assert.equal(report.summary.result === 'pass', false);
    assert.equal(verifyFleetReport(bytesOf(report), trust('eu-1')).ok, true);
    const relabelled = structuredClone(report);
    (relabelled.cells[0] as { status: string }).status = 'reported';
    relabelled.summary = { ...relabelled.summary, reported: 1, stale: 0 };
    assert.match(refused(relabelled, trust('eu-1')), /eu-1 is marked reported, but its report of .* is stale/);
  });

  it("refuses a cell's report whose bytes were changed", function () {
    const report = both();
    const entry = report.cells[0]?.report;
    assert.ok(entry);
    const text = Buffer.from(entry.signedReport, 'base64').toString('utf8').replace('"acme"', '"acmf"');
    entry.signedReport = Buffer.from(text).toString('base64');
    assert.match(refused(report), /cell eu-1: the report's digest is sha256:[0-9a-f]{64}, but its entry says/);
    entry.digest = digestOf(Buffer.from(text));
    assert.match(refused(report), /cell eu-1: signature invalid: .*changed after it was signed/);
  });

  it('refuses a cell dropped from the report, however the summary was adjusted', function () {
    const report = both();
    report.cells = report.cells.filter((cell) => cell.name !== 'us-1');
    report.summary = { ...report.summary, cells: 1, reported: 1, tenants: 3 };
    assert.match(refused(report), /cell us-1 is not in the fleet report at all: left out without being marked/);
  });

  it('refuses reports swapped between cells, each signed by the other cell', function () {
    const report = both();
    const [eu, us] = report.cells;
    assert.ok(eu?.report && us?.report);
    [eu.report, us.report] = [us.report, eu.report];
    assert.match(refused(report), /cell eu-1: signature invalid: signed by an untrusted key/);
  });

  it('refuses a cell it was given no key for, a summary that misstates the cells, and an entry that misstates its report', function () {
    assert.match(refused(both(), trust('eu-1')), /cell us-1 is in the fleet report but no trusted key was given for it/);
    const overstated = both();
    overstated.summary = { ...overstated.summary, result: 'pass' };
    assert.match(refused(overstated), /the summary does not match the cells/);
    const flattering = both();
    const entry = flattering.cells[1]?.report;
    assert.ok(entry);
    Object.assign(entry, { failed: 0, passed: entry.tenants, result: 'pass' });
    assert.match(refused(flattering), /cell us-1: its entry's summary does not match its signed report/);
  });

  it('refuses a cell marked unreachable that still carries a report, and a report listed twice', function () {
    const marked = both();
    (marked.cells[1] as { status: string }).status = 'unreachable';
    assert.match(refused(marked), /us-1 is marked unreachable but carries a report/);
    const twice = both();
    twice.cells.push(structuredClone(twice.cells[0] as FleetAuditReport['cells'][number]));
    assert.match(refused(twice), /cell eu-1 is listed more than once/);
  });

  it('lists a published object that is not a report as unreadable, keeping the cell', function () {
    const report = fleet([{ cell: ref('eu-1'), outcome: 'published', bytes: Buffer.from('{"not":"a report"}') }]);
    assert.equal(report.cells[0]?.status, 'unreadable');
    assert.match(report.cells[0]?.detail ?? '', /not a Bulkhead audit report/);
    assert.equal(report.summary.result, 'incomplete');
  });
});
