/**
 * The demo's signing key and report chain: README's tour runs `bulkhead audit verify --chain
 * .bulkhead/audit --public-key "$BULKHEAD_AUDIT_PUBLIC_KEY"` after `make demo`, and it must hold
 * after any number of runs, after the key file was deleted, and over reports an older demo left.
 * Each simulated run does what the demo does with its key and directory, then signs a report as
 * `bulkhead audit --report-dir` does with the key the demo put in the operator's Secret.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoSigningKey, startNewChainIfUnverifiable } from './demo-signing-key.js';
import {
  buildReport,
  generateSigningKey,
  loadPrivateKey,
  previousInStore,
  saveReport,
  signReport,
} from '../operator/src/audit/report/index.js';
import { sampleReportParts } from '../operator/src/audit/report/sample-parts.js';
import { runBulkhead } from '../operator/src/cli/testing.js';

describe("the demo's signing key and report chain", () => {
  let stateDir: string;
  let reportDir: string;
  let minute = 0;

  beforeEach(() => {
    stateDir = mkdtempSync(join(tmpdir(), 'bulkhead-demo-state-'));
    reportDir = join(stateDir, 'audit');
  });

  afterEach(() => {
    rmSync(stateDir, { recursive: true, force: true });
  });

  /** One `make demo` as far as the key and the chain go: the key, the chain check, one audit into the report directory. */
  function demoRun(): { publicKeyFile: string; keyId: string; restarted?: { movedTo: string; reason: string } } {
    const key = demoSigningKey(stateDir);
    const restarted = startNewChainIfUnverifiable(reportDir, key.publicKeyFile);
    minute += 1;
    const parts = {
      ...sampleReportParts(),
      generatedAt: new Date(Date.UTC(2026, 11, 6, 12, minute)),
      previous: previousInStore(reportDir),
    };
    saveReport(reportDir, signReport(buildReport(parts), loadPrivateKey(key.privateKeyPem, 'the Secret')));
    return { publicKeyFile: key.publicKeyFile, keyId: key.keyId, ...(restarted ? { restarted } : {}) };
  }

  /** The tour's command. */
  const tourVerify = (publicKeyFile: string) => runBulkhead(['audit', 'verify', '--chain', reportDir, '--public-key', publicKeyFile]);

  it('keeps one key, private to its owner, and the tour verifies after every one of several runs', async () => {
    const keyIds = new Set<string>();
    for (let run = 1; run <= 4; run += 1) {
      const { publicKeyFile, keyId, restarted } = demoRun();
      keyIds.add(keyId);
      assert.equal(restarted, undefined, `run ${run} kept the chain`);
      const verify = await tourVerify(publicKeyFile);
      assert.equal(verify.code, 0, `run ${run}: ${verify.stderr}`);
      assert.match(verify.stdout, new RegExp(`^chain valid: ${run} reports`));
    }
    assert.equal(keyIds.size, 1, 'the same key every run');
    assert.equal(statSync(join(stateDir, 'audit-signing-key.pem')).mode & 0o777, 0o600);
  });

  it('starts a new chain, keeping the old reports aside, when the key file was deleted between runs', async () => {
    demoRun();
    demoRun();
    unlinkSync(join(stateDir, 'audit-signing-key.pem'));
    const { publicKeyFile, restarted } = demoRun();
    assert.ok(restarted, 'the old chain was moved aside');
    assert.equal(readdirSync(restarted.movedTo).filter((name) => name.endsWith('.json')).length, 2);
    const verify = await tourVerify(publicKeyFile);
    assert.equal(verify.code, 0, verify.stderr);
    assert.match(verify.stdout, /^chain valid: 1 reports/);
  });

  it('starts a new chain over reports an older demo signed with a key it did not keep', async () => {
    const older = loadPrivateKey(generateSigningKey().privateKey, 'an older demo');
    saveReport(reportDir, signReport(buildReport({ ...sampleReportParts(), previous: null }), older));
    const { publicKeyFile, restarted } = demoRun();
    assert.match(
      restarted ? `${restarted.movedTo} ${restarted.reason}` : '',
      /audit-unverifiable-.* audit-.*\.json: signed by an untrusted key/,
    );
    assert.equal((await tourVerify(publicKeyFile)).code, 0);
    assert.equal(existsSync(reportDir), true);
  });
});
