/** signReportFile: the report written once, with its signature put in place, is the file signReport and serializeReport made. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildReport } from './build.js';
import { sampleReportParts } from './sample-parts.js';
import type { UnsignedReport } from './schema.js';
import { digestOf, generateSigningKey, loadPrivateKey, loadPublicKey, serializeReport, signReport, signReportFile } from './signing.js';
import { saveReport, saveReportFile } from './store.js';
import { verifyReport } from './verify.js';

const keys = generateSigningKey();
const privateKey = loadPrivateKey(keys.privateKey, 'private');

describe('a signed report laid out as its file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'bulkhead-signed-file-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has the bytes, digest and signature of serializeReport(signReport(...)), and verifies', async () => {
    const report = buildReport(sampleReportParts());
    const file = await signReportFile(report, privateKey);
    const expected = serializeReport(signReport(report, privateKey));
    assert.deepEqual(file.bytes, expected);
    assert.equal(file.digest, digestOf(expected));
    assert.deepEqual(file.report, signReport(report, privateKey));
    const verification = verifyReport(file.bytes, loadPublicKey(keys.publicKey, 'public'));
    assert.equal(verification.ok, true, verification.ok ? '' : verification.reason);
  });

  it('puts the signature in its sorted place whatever comes before it, multi-byte text included', async () => {
    const documents = [
      { scope: 'é€😀', summary: { z: 1 }, tool: 'x' },
      { a: ['ü'], scope: 1 },
      { zeta: 'last' },
      {},
    ] as unknown as UnsignedReport[];
    for (const document of documents) {
      const file = await signReportFile(document, privateKey);
      assert.deepEqual(file.bytes, serializeReport(signReport(document, privateKey)), JSON.stringify(document));
    }
  });

  it('is saved as the same file saveReport writes', async () => {
    const report = buildReport(sampleReportParts());
    const file = await signReportFile(report, privateKey);
    const streamed = saveReportFile(join(dir, 'streamed'), file);
    const whole = saveReport(join(dir, 'whole'), signReport(report, privateKey));
    assert.deepEqual(readFileSync(streamed.path), readFileSync(whole.path));
    assert.equal(streamed.digest, whole.digest);
    assert.throws(() => saveReportFile(join(dir, 'streamed'), file), /EEXIST/);
  });
});
