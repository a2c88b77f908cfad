/** Where the operator's next report joins its chain: same key, a rotation from a key it still holds, or a new chain. */
import assert from 'node:assert/strict';
import { joinChain } from './operator-chain.js';
import { buildReport, digestOf, generateSigningKey, loadPrivateKey, serializeReport, signReport } from './report/index.js';
import { sampleReportParts } from './report/sample-parts.js';

const key = () => loadPrivateKey(generateSigningKey().privateKey, 'key');
const oldKey = key();
const newKey = key();
const published = serializeReport(signReport(buildReport(sampleReportParts()), oldKey));

describe('the operator joining its report chain', () => {
  it('starts the chain when nothing was published', () => {
    assert.deepEqual(joinChain(undefined, newKey, [oldKey]), { previous: null });
  });

  it('chains onto the published report signed by the same key', () => {
    assert.deepEqual(joinChain(published, oldKey, []), { previous: { digest: digestOf(published) } });
  });

  it('chains onto it with a rotation from the old key when the key changed and the old one is held', () => {
    const join = joinChain(published, newKey, [key(), oldKey]);
    assert.deepEqual(join.previous, { digest: digestOf(published) });
    assert.equal(join.rotateFrom, oldKey);
    assert.equal(join.newChain, undefined);
  });

  it('starts a new chain, saying why, when the key changed and the old one is gone', () => {
    const join = joinChain(published, newKey, [key()]);
    assert.equal(join.previous, null);
    assert.match(
      join.newChain ?? '',
      /^This report starts a new chain: the report published before it \(sha256:[0-9a-f]{64}\) was signed by keyId [0-9a-f]{64}, which the operator no longer holds/,
    );
  });

  it('starts a new chain when the published report is not a report', () => {
    const join = joinChain(Buffer.from('{"not":"a report"}'), newKey, [oldKey]);
    assert.equal(join.previous, null);
    assert.match(join.newChain ?? '', /could not be read as a report \(not a Bulkhead audit report: /);
  });

  it('reads the signer from the top-level signature only, whatever the report holds inside', () => {
    const parts = sampleReportParts();
    const foreign = key();
    const decoy = JSON.stringify(signReport(buildReport(sampleReportParts()), foreign).signature);
    parts.extraLimitations = [...(parts.extraLimitations ?? []), `a sentence quoting "signature":${decoy} and a brace }`];
    const inner = serializeReport(signReport(buildReport(parts), oldKey));
    assert.ok(inner.includes(`"signature":${decoy}`.replaceAll('"', '\\"')), 'the decoy is in the report, escaped');
    assert.deepEqual(joinChain(inner, oldKey, []), { previous: { digest: digestOf(inner) } });
    const join = joinChain(inner, newKey, [foreign, oldKey]);
    assert.equal(join.rotateFrom, oldKey, 'the hand-over is from the key that signed the report, not the quoted one');
  });

  it('starts a new chain when the published bytes are not one JSON object, or name the signature twice', () => {
    for (const bytes of [
      published.subarray(0, published.length - 1),
      Buffer.concat([published, Buffer.from('{}')]),
      Buffer.from(published.toString('utf8').replace('{', '{"signature":{},')),
    ]) {
      const join = joinChain(bytes, oldKey, [oldKey]);
      assert.equal(join.previous, null);
      assert.match(join.newChain ?? '', /could not be read as a report \(not a Bulkhead audit report: /);
    }
  });
});
