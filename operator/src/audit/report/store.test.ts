/** The report store: each report names the previous one's digest, and a missing or replaced report shows as a gap. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from './build.js';
import { sampleReportParts } from './sample-parts.js';
import { digestOf, generateSigningKey, loadPrivateKey, loadPublicKey, signReport } from './signing.js';
import { verifyChain } from './chain.js';
import { listReportFiles, previousInStore, reportFileName, saveReport } from './store.js';

const keys = generateSigningKey();
const privateKey = loadPrivateKey(keys.privateKey, 'private');
const publicKey = loadPublicKey(keys.publicKey, 'public');

/** Builds, signs and saves a report generated `minute` minutes after 03:00, chained onto the store's newest. */
function audit(dir: string, minute: number, previous = previousInStore(dir)): string {
  const parts = { ...sampleReportParts(), generatedAt: new Date(Date.UTC(2026, 10, 27, 3, minute)), previous };
  return saveReport(dir, signReport(buildReport(parts), privateKey)).path;
}

describe('report store', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-reports-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('names files by time, chains each report to the file before it, and verifies the chain', () => {
    const paths = [audit(dir, 0), audit(dir, 5), audit(dir, 10)];
    assert.deepEqual(listReportFiles(dir), [
      'audit-2026-11-27T03-00-00.000Z.json',
      'audit-2026-11-27T03-05-00.000Z.json',
      'audit-2026-11-27T03-10-00.000Z.json',
    ]);
    const second = JSON.parse(readFileSync(paths[1] ?? '', 'utf8')) as { previous: { digest: string } };
    assert.equal(second.previous.digest, digestOf(readFileSync(paths[0] ?? '')));
    const chain = verifyChain(dir, publicKey);
    assert.deepEqual(chain, {
      ok: true,
      reports: 3,
      newest: { file: 'audit-2026-11-27T03-10-00.000Z.json', digest: digestOf(readFileSync(paths[2] ?? '')) },
      keyIds: [keys.keyId],
      rotations: [],
    });
    assert.equal(previousInStore(dir)?.digest, chain.ok ? chain.newest?.digest : undefined);
  });

  it('detects a report missing from the middle and names the report after the gap', () => {
    const paths = [audit(dir, 0), audit(dir, 5), audit(dir, 10), audit(dir, 15)];
    unlinkSync(paths[1] ?? '');
    const chain = verifyChain(dir, publicKey);
    assert.equal(chain.ok, false);
    assert.equal(chain.ok ? '' : chain.file, 'audit-2026-11-27T03-10-00.000Z.json');
    assert.match(
      chain.ok ? '' : chain.reason,
      /report before it is audit-2026-11-27T03-00-00\.000Z\.json .*a report is missing or was replaced/,
    );
  });

  it('detects the oldest report removed: the new oldest names a predecessor that is not there', () => {
    const paths = [audit(dir, 0), audit(dir, 5)];
    unlinkSync(paths[0] ?? '');
    const chain = verifyChain(dir, publicKey);
    assert.match(chain.ok ? '' : chain.reason, /oldest report names a previous report sha256:[0-9a-f]{64} that is not in the directory/);
  });

  it('detects a report replaced by another validly signed one', () => {
    audit(dir, 0);
    const second = audit(dir, 5);
    audit(dir, 10);
    unlinkSync(second);
    audit(dir, 5, null);
    const chain = verifyChain(dir, publicKey);
    assert.equal(chain.ok ? '' : chain.file, 'audit-2026-11-27T03-05-00.000Z.json');
    assert.match(chain.ok ? '' : chain.reason, /names no previous report, but audit-2026-11-27T03-00-00\.000Z\.json/);
  });

  it('stops at a tampered report with its verification reason', () => {
    audit(dir, 0);
    const second = audit(dir, 5);
    const bytes = readFileSync(second);
    bytes[100] = (bytes[100] ?? 0) ^ 0x01;
    writeFileSync(second, bytes);
    const chain = verifyChain(dir, publicKey);
    assert.equal(chain.ok ? '' : chain.file, 'audit-2026-11-27T03-05-00.000Z.json');
  });

  it('never overwrites a report, and refuses to chain onto a file that is not a report', () => {
    audit(dir, 0);
    assert.throws(() => audit(dir, 0), /EEXIST/);
    writeFileSync(join(dir, reportFileName('2026-11-27T04:00:00.000Z')), '{"not":"a report"}');
    assert.throws(() => previousInStore(dir), /cannot chain onto .*audit-2026-11-27T04-00-00\.000Z\.json: not a Bulkhead audit report/);
  });

  it('has no previous report in an empty or absent directory', () => {
    assert.equal(previousInStore(dir), null);
    assert.equal(previousInStore(join(dir, 'absent')), null);
    assert.deepEqual(verifyChain(join(dir, 'absent'), publicKey), { ok: true, reports: 0, keyIds: [], rotations: [] });
  });
});
