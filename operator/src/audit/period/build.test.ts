/**
 * The period report over a simulated period: hourly fleet audits, a sabotage window (a finding
 * appears, then is fixed), a gap, a removed report and a key rotation, all built by the real
 * builder and signer and read back by the chain walk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPeriodReport, PeriodInputError, type PeriodOptions } from './build.js';
import { serializePeriodReport, signPeriodReport, verifyPeriodReport } from './signing.js';
import { at, hour, saveSimulated, simulatedReport, simulatedStart } from './simulated-chain.js';
import {
  digestOf,
  generateSigningKey,
  loadPrivateKey,
  loadPublicKey,
  readChain,
  reportFileName,
  saveReport,
  signReport,
} from '../report/index.js';

function keyPair() {
  const pem = generateSigningKey();
  return { keyId: pem.keyId, privateKey: loadPrivateKey(pem.privateKey, 'private'), publicKey: loadPublicKey(pem.publicKey, 'public') };
}

const oldKey = keyPair();
const newKey = keyPair();
const auditorKey = keyPair();
const tenants = ['acme', 'globex', 'initech'];

function options(fromHours: number, toHours: number, extra: Partial<PeriodOptions> = {}): PeriodOptions {
  return {
    from: new Date(at(fromHours)),
    to: new Date(at(toHours)),
    given: [oldKey.keyId],
    generatedAt: new Date(at(24)),
    toolVersion: '0.0.0-test',
    ...extra,
  };
}

describe('period report', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-period-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Hour -1 (before the window) to 11: initech's namespace admits acme at hours 2 and 3, fixed by
   * 4; no audit ran at 5, 6 and 7; the key rotates at 8; umbrella is onboarded at 3, globex
   * offboarded after 8; the report of hour 10 is deleted afterwards.
   */
  function simulatedPeriod(): { removed: string } {
    let removed = '';
    for (const hours of [-1, 0, 1, 2, 3, 4, 8, 9, 10, 11]) {
      const present = [...(hours >= 3 ? [...tenants, 'umbrella'] : tenants)].filter((tenant) => hours <= 8 || tenant !== 'globex');
      const audit = { hours, tenants: present, ...(hours === 2 || hours === 3 ? { sabotaged: 'initech' } : {}) };
      const key = hours >= 8 ? newKey.privateKey : oldKey.privateKey;
      const path = saveSimulated(dir, audit, key, hours === 8 ? oldKey.privateKey : undefined);
      if (hours === 10) removed = path;
    }
    const removedDigest = digestOf(readFileSync(removed));
    unlinkSync(removed);
    return { removed: removedDigest };
  }

  it("shows the sabotage's first and last sighting and time to remediate, flags the gap and the removed report, follows the rotation, and verifies", () => {
    const { removed } = simulatedPeriod();
    const report = buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(0, 11, { intervalSeconds: 3600 }));

    assert.deepEqual(report.findings, [
      {
        check: 'network.ingress',
        tenant: 'initech',
        category: 'network',
        reasons: ['CrossTenantFlowAllowed'],
        firstSeen: at(2),
        lastSeen: at(3),
        sightings: 2,
        openAtStart: false,
        fixedAt: at(4),
        secondsToRemediate: 2 * 3600,
      },
    ]);
    const gaps = report.chainFindings.filter((finding) => finding.kind === 'gap');
    assert.deepEqual(
      gaps.map((gap) => [gap.from, gap.to, gap.report]),
      [
        [at(4), at(8), reportFileName(at(8))],
        [at(9), at(11), reportFileName(at(11))],
      ],
    );
    const missing = report.chainFindings.filter((finding) => finding.kind === 'missing');
    assert.equal(missing.length, 1);
    assert.equal(missing[0]?.report, reportFileName(at(11)));
    assert.match(
      missing[0]?.message ?? '',
      new RegExp(`names previous report ${removed}, but the report before it is ${reportFileName(at(9))}`),
    );
    assert.deepEqual(report.trust.rotations, [{ from: oldKey.keyId, to: newKey.keyId, at: at(8), report: reportFileName(at(8)) }]);
    assert.deepEqual(
      report.reports.map((resting) => [resting.generatedAt, resting.keyId]),
      [0, 1, 2, 3, 4, 8, 9, 11].map((hours) => [at(hours), hours >= 8 ? newKey.keyId : oldKey.keyId]),
      'every report of the window rests on, the one before it left out',
    );
    assert.deepEqual(
      report.tenants.map((tenant) => [tenant.tenant, tenant.onboarded, tenant.offboarded, tenant.lastSeen]),
      [
        ['acme', false, false, at(11)],
        ['globex', false, true, at(8)],
        ['initech', false, false, at(11)],
        ['umbrella', true, false, at(11)],
      ],
    );
    assert.deepEqual(report.summary, { result: 'fail', reports: 8, chainFindings: 3, findings: 1, open: 0, tenants: 4 });

    const bytes = serializePeriodReport(signPeriodReport(report, auditorKey.privateKey));
    const verified = verifyPeriodReport(bytes, [auditorKey.publicKey]);
    assert.equal(verified.ok, true, verified.ok ? '' : verified.reason);
    assert.match(verifyPeriodReport(bytes, [oldKey.publicKey]).ok ? '' : 'untrusted', /untrusted/);
    const changed = Buffer.from(bytes.toString().replace(`"secondsToRemediate":7200`, `"secondsToRemediate":60`));
    const refused = verifyPeriodReport(changed, [auditorKey.publicKey]);
    assert.equal(refused.ok ? '' : refused.reason, 'the signature does not match the content: the report was changed after it was signed');
  });

  it('refuses the reports after a rotation when only the new key is unknown and no rotation introduces it', () => {
    saveSimulated(dir, { hours: 0, tenants }, oldKey.privateKey);
    saveSimulated(dir, { hours: 1, tenants }, newKey.privateKey);
    const report = buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(0, 1, { intervalSeconds: 3600 }));
    const signature = report.chainFindings.filter((finding) => finding.kind === 'signature');
    assert.equal(signature[0]?.report, reportFileName(at(1)));
    assert.match(signature[0]?.message ?? '', /signed by an untrusted key: keyId [0-9a-f]{64}/);
    assert.equal(report.reports.length, 1, 'a report that does not verify is not rested on');
  });

  it('names a report whose signature fails, the report after it, which names a digest that is not there, and the gap it leaves', () => {
    for (const hours of [0, 1, 2]) saveSimulated(dir, { hours, tenants }, oldKey.privateKey);
    const second = join(dir, reportFileName(at(1)));
    writeFileSync(second, readFileSync(second, 'utf8').replace('"result":"pass"', '"result":"fail"'));
    const findings = buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(0, 2, { intervalSeconds: 3600 })).chainFindings;
    assert.deepEqual(
      findings.map((finding) => [finding.kind, finding.report]),
      [
        ['signature', reportFileName(at(1))],
        ['missing', reportFileName(at(2))],
        ['gap', reportFileName(at(2))],
      ],
    );
  });

  it('flags a reordered chain, naming each report whose predecessor is not the one before it in time', () => {
    const first = saveSimulated(dir, { hours: 0, tenants }, oldKey.privateKey);
    // Hour 2 chained onto hour 0, then hour 1 chained onto hour 2: the links run against time.
    const third = saveReport(
      dir,
      signReport(
        { ...simulatedReport(dir, { hours: 2, tenants }), previous: { digest: digestOf(readFileSync(first)) } },
        oldKey.privateKey,
      ),
    );
    saveReport(dir, signReport({ ...simulatedReport(dir, { hours: 1, tenants }), previous: { digest: third.digest } }, oldKey.privateKey));
    const findings = buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(0, 2, { intervalSeconds: 3600 })).chainFindings;
    assert.deepEqual(
      findings.map((finding) => [finding.kind, finding.report]),
      [
        ['reordered', reportFileName(at(1))],
        ['reordered', reportFileName(at(2))],
      ],
    );
    assert.match(findings[0]?.message ?? '', /the chain is out of order/);
  });

  it('keeps a finding open at the end, marks one already open at the start, and infers the interval', () => {
    for (const hours of [0, 1, 2, 3])
      saveSimulated(dir, { hours, tenants, sabotaged: hours === 0 || hours === 3 ? 'acme' : undefined }, oldKey.privateKey);
    const report = buildPeriodReport(readChain(dir, [{ keyId: oldKey.keyId }]), options(0, 3));
    assert.deepEqual(report.interval, { seconds: 3600, source: 'inferred', gapSeconds: 5400 });
    assert.deepEqual(
      report.findings.map((finding) => [finding.firstSeen, finding.openAtStart, finding.fixedAt, finding.secondsToRemediate]),
      [
        [at(0), true, at(1), 3600],
        [at(3), false, null, null],
      ],
    );
    assert.equal(report.summary.open, 1);
    assert.deepEqual(report.chainFindings, []);
  });

  it('refuses to infer the interval from one report, and flags a window without any report as one gap', () => {
    saveSimulated(dir, { hours: 0, tenants }, oldKey.privateKey);
    assert.throws(() => buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(0, 5)), PeriodInputError);
    const empty = buildPeriodReport(readChain(dir, [oldKey.publicKey]), options(1, 5, { intervalSeconds: 3600 }));
    assert.deepEqual(
      empty.chainFindings.map((finding) => [finding.kind, finding.from, finding.to]),
      [['gap', at(1), at(5)]],
    );
    assert.equal(new Date(simulatedStart + hour).toISOString(), at(1));
  });
});
