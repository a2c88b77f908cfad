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
});
