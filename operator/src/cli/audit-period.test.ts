/** `bulkhead audit period` and `audit verify --period` on a simulated chain: the files, exit codes and verdicts. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { saveSimulated } from '../audit/period/simulated-chain.js';
import { generateSigningKey, loadPrivateKey } from '../audit/report/index.js';
import { runBulkhead } from './testing.js';

describe('bulkhead audit period', () => {
  let dir: string;
  const tenants = ['acme', 'initech'];

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-period-cli-'));
    const keys = { old: generateSigningKey(), new: generateSigningKey(), auditor: generateSigningKey() };
    for (const [name, pair] of Object.entries(keys)) {
      writeFileSync(join(dir, `${name}.key`), pair.privateKey);
      writeFileSync(join(dir, `${name}.pub.pem`), pair.publicKey);
    }
    const oldKey = loadPrivateKey(keys.old.privateKey, 'old');
    const newKey = loadPrivateKey(keys.new.privateKey, 'new');
    for (const hours of [0, 1, 2, 3, 6]) {
      const audit = { hours, tenants, ...(hours === 1 ? { sabotaged: 'initech' } : {}) };
      saveSimulated(join(dir, 'chain'), audit, hours >= 3 ? newKey : oldKey, hours === 3 ? oldKey : undefined);
    }
  });

  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const period = (out: string, ...extra: string[]) =>
    runBulkhead([
      'audit',
      'period',
      '--chain',
      join(dir, 'chain'),
      '--from',
      '2026-11-01T00:00:00Z',
      '--to',
      '2026-11-01T06:00:00Z',
      '--public-key',
      join(dir, 'old.pub.pem'),
      '--interval',
      '1h',
      '--signing-key',
      join(dir, 'auditor.key'),
      '--out',
      join(dir, out),
      ...extra,
    ]);

  it('writes the signed period report and its page, prints the text form, and exits 1 for the finding and the gap', async () => {
    const run = await period('period.json', '--html', join(dir, 'period.html'));
    assert.equal(run.code, 1, run.stderr);
    assert.match(run.stdout, /^Bulkhead audit period: FAIL \(1 evidence findings, 1 findings of which 0 open, 5 reports\)/);
    assert.match(
      run.stdout,
      /network\.ingress \(initech\) CrossTenantFlowAllowed: first seen 2026-11-01T01:00:00\.000Z.*fixed by 2026-11-01T02:00:00\.000Z, 1 h to remediate/,
    );
    assert.match(run.stdout, /gap: no report for 3 h from 2026-11-01T03:00:00\.000Z to 2026-11-01T06:00:00\.000Z/);
    assert.match(run.stdout, /rotation: +keyId [0-9a-f]{64} to [0-9a-f]{64} at 2026-11-01T03:00:00\.000Z/);
    assert.match(run.stderr, /period report .*period\.json \(sha256:[0-9a-f]{64}\)/);
    assert.match(readFileSync(join(dir, 'period.html'), 'utf8'), /<td class="mono">network\.ingress<\/td><td class="mono">initech<\/td>/);

    const verified = await runBulkhead([
      'audit',
      'verify',
      '--period',
      join(dir, 'period.json'),
      '--public-key',
      join(dir, 'auditor.pub.pem'),
    ]);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(
      verified.stdout,
      /^signature valid: period report 2026-11-01T00:00:00\.000Z to 2026-11-01T06:00:00\.000Z, keyId [0-9a-f]{64}, fail: 5 reports, 1 evidence findings, 1 findings \(0 open\)/,
    );
    const untrusted = await runBulkhead([
      'audit',
      'verify',
      '--period',
      join(dir, 'period.json'),
      '--public-key',
      join(dir, 'old.pub.pem'),
    ]);
    assert.equal(untrusted.code, 1);
    assert.match(untrusted.stderr, /signature invalid: .*period\.json: signed by an untrusted key/);
  });

  it('never overwrites a period report, and refuses a window too thin to infer the interval and a chain with no reports (exit 2)', async () => {
    writeFileSync(join(dir, 'taken.json'), 'x');
    const taken = await period('taken.json');
    assert.equal(taken.code, 2);
    assert.match(taken.stderr, /--out .*taken\.json: EEXIST/);
    const thin = await runBulkhead([
      'audit',
      'period',
      '--chain',
      join(dir, 'chain'),
      '--from',
      '2026-11-01T05:00:00Z',
      '--to',
      '2026-11-01T07:00:00Z',
      '--key-id',
      'a'.repeat(64),
      '--signing-key',
      join(dir, 'auditor.key'),
      '--out',
      join(dir, 'thin.json'),
    ]);
    assert.equal(thin.code, 2);
    assert.match(thin.stderr, /too few to infer the audit interval; pass --interval/);
    const empty = await runBulkhead([
      'audit',
      'period',
      '--chain',
      join(dir, 'no-such-dir'),
      '--from',
      '2026-11-01T00:00:00Z',
      '--to',
      '2026-11-02T00:00:00Z',
      '--key-id',
      'a'.repeat(64),
      '--signing-key',
      join(dir, 'auditor.key'),
      '--out',
      join(dir, 'empty.json'),
    ]);
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /--chain .*no-such-dir: holds no audit-\*\.json reports/);
  });

  it('verifies the chain across the rotation with the old key only, and names the rotation', async () => {
    const chain = await runBulkhead(['audit', 'verify', '--chain', join(dir, 'chain'), '--public-key', join(dir, 'old.pub.pem')]);
    assert.equal(chain.code, 0, chain.stderr);
    assert.match(
      chain.stdout,
      /^chain valid: 5 reports.*\nkey rotation in audit-2026-11-01T03-00-00\.000Z\.json: keyId [0-9a-f]{64} to [0-9a-f]{64} at 2026-11-01T03:00:00\.000Z\n$/,
    );
    const newOnly = await runBulkhead(['audit', 'verify', '--chain', join(dir, 'chain'), '--public-key', join(dir, 'new.pub.pem')]);
    assert.equal(newOnly.code, 1);
    assert.match(newOnly.stderr, /^chain invalid: audit-2026-11-01T00-00-00\.000Z\.json: signed by an untrusted key/);
  });
});
