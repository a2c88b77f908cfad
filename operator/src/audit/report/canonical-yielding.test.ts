import assert from 'node:assert/strict';
import { canonicalBytesYielding, canonicalDocumentYielding } from './canonical-yielding.js';
import { generateKeyPairSync } from 'node:crypto';
import { canonicalBytes, serializeReport, serializeReportYielding, signReport, signReportYielding } from './signing.js';
import type { UnsignedReport } from './schema.js';

describe('canonical JSON a piece at a time', function () {
  const tricky = {
    z: [1, undefined, 'é', { b: 2, a: [null, true, 1.5e-7] }],
    a: { dropped: undefined, '€': 'euro', é: 'e', A: 'upper', nested: { deeper: { deepest: [3, 2, 1] } } },
    when: new Date('2026-12-06T00:00:00Z'),
    empty: { list: [], object: {} },
    number: 1e21,
  };

  it('writes the bytes canonicalize writes, at every depth it walks itself', async function () {
    for (const depth of [0, 1, 2, 3, 6]) {
      assert.equal(
        (await canonicalBytesYielding(tricky, depth)).toString('utf8'),
        canonicalBytes(tricky).toString('utf8'),
        `depth ${depth}`,
      );
    }
  });

  it('turns the event loop while it writes a large array', async function () {
    const cells = Array.from({ length: 10_000 }, (_, i) => ({ from: `ns-${i % 100}`, to: `ns-${i}`, allowed: ['tcp/80'] }));
    let turns = 0;
    const counting = setInterval(() => (turns += 1), 0);
    const bytes = await canonicalBytesYielding({ matrix: { cells } });
    clearInterval(counting);
    assert.deepEqual(bytes, canonicalBytes({ matrix: { cells } }));
    assert.ok(turns >= 2, `the loop turned ${turns} times`);
  });

  it('refuses what canonicalize refuses', async function () {
    await assert.rejects(canonicalBytesYielding({ cells: [Number.NaN] }), /NaN is not allowed/);
  });

  it('signs and serializes a report to the same bytes as signReport and serializeReport', async function () {
    const { privateKey } = generateKeyPairSync('ed25519');
    const report = {
      format: 'x',
      checks: [{ id: 'a', evidence: { n: 1 } }],
      matrix: { cells: [{ from: 'a', to: 'b', allowed: [] }] },
    } as unknown as UnsignedReport;
    const signed = await signReportYielding(report, privateKey);
    assert.deepEqual(signed, signReport(report, privateKey));
    assert.deepEqual(await serializeReportYielding(signed), serializeReport(signed));
  });

  it('writes into one buffer of exactly the text and the room asked for, and refuses a document changed meanwhile', async () => {
    const value = { list: Array.from({ length: 5_000 }, (_, index) => index), é: 'ü' };
    const document = await canonicalDocumentYielding(value, 7);
    assert.equal(document.buffer.length, document.length + 7);
    assert.equal(document.buffer.subarray(0, document.length).toString(), canonicalBytes(value).toString());
    const writing = canonicalDocumentYielding(value);
    setImmediate(() => (value.list[0] = 1_000_000));
    await assert.rejects(writing, /the document changed while it was being written/);
  });
});
