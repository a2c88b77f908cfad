import assert from 'node:assert/strict';
import { chainRecord, genesisHash, recordHash, type AuditRecord } from './record.js';
import { sampleEntry } from './record.test.js';
import { isTrustworthy, verifyChain } from './verify.js';

function chain(length: number): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < length; i++) records.push(chainRecord(records.at(-1), { ...sampleEntry, requestId: `request-${i}` }));
  return records;
}

async function* from(records: AuditRecord[]): AsyncGenerator<AuditRecord> {
  for (const record of records) yield await Promise.resolve(record);
}

describe('verifying the audit chain', function () {
  it('accepts an intact chain, reporting the count and head hash', async function () {
    const records = chain(5);
    const result = await verifyChain(from(records));
    assert.deepEqual(result, { verified: 5, headId: 5, headHash: records[4]?.hash, broken: undefined });
  });

  it('accepts an empty trail', async function () {
    assert.deepEqual(await verifyChain(from([])), { verified: 0, headId: 0, headHash: '0'.repeat(64), broken: undefined });
  });

  it('names an edited record by its hash mismatch', async function () {
    const records = chain(5);
    records[2] = { ...records[2]!, outcome: { status: 200, problemType: null } };
    const result = await verifyChain(from(records));
    assert.equal(result.broken?.id, 3);
    assert.equal(result.broken?.kind, 'hash-mismatch');
    assert.equal(result.verified, 2);
    assert.equal(result.headHash, records[1]?.hash);
  });

  it('names the record after one whose hash was recomputed to hide an edit', async function () {
    const records = chain(5);
    const edited = { ...records[2]!, tenant: 'globex' };
    records[2] = { ...edited, hash: recordHash(edited.id, edited.previousHash, edited) };
    const result = await verifyChain(from(records));
    assert.equal(result.broken?.id, 4);
    assert.equal(result.broken?.kind, 'previous-hash-mismatch');
  });

  it('names the record after a deleted one as an id gap', async function () {
    const records = chain(5);
    records.splice(1, 2);
    const result = await verifyChain(from(records));
    assert.deepEqual(result.broken && { id: result.broken.id, kind: result.broken.kind }, { id: 4, kind: 'id-gap' });
    assert.match(result.broken?.detail ?? '', /records 2 to 3 are missing/);
  });

  it('notices a deleted first record', async function () {
    const result = await verifyChain(from(chain(3).slice(1)));
    assert.equal(result.broken?.id, 2);
    assert.equal(result.broken?.kind, 'id-gap');
  });

  it('notices a record renumbered into a gap', async function () {
    const records = chain(4);
    records.splice(1, 1);
    records[1] = { ...records[1]!, id: 2 };
    const result = await verifyChain(from(records));
    assert.equal(result.broken?.id, 2);
    assert.equal(result.broken?.kind, 'previous-hash-mismatch');
  });

  it('accepts a chain that spans the upgrade from format 1 to format 2', async function () {
    const records = chain(4);
    // Records 1 and 2 as a format-1 writer hashed them; records 3 and 4 link to them in format 2.
    const old1 = { ...records[0]!, format: 1 as const, changes: null };
    const v1First = { ...old1, hash: recordHash(1, genesisHash, old1) };
    const old2 = { ...records[1]!, format: 1 as const, changes: null, previousHash: v1First.hash };
    const v1Second = { ...old2, hash: recordHash(2, v1First.hash, old2) };
    const third = chainRecord(v1Second, { ...sampleEntry, changes: [{ field: 'plan', value: 'enterprise' }] });
    const result = await verifyChain(from([v1First, v1Second, third, chainRecord(third, sampleEntry)]));
    assert.equal(result.broken, undefined, JSON.stringify(result.broken));
    assert.equal(result.verified, 4);
  });

  it('names a format-2 record passed off as format 1, its changes dropped', async function () {
    const records = chain(3);
    records[1] = { ...records[1]!, format: 1, changes: null };
    assert.equal((await verifyChain(from(records))).broken?.kind, 'hash-mismatch');
  });

  describe('against a head recorded earlier', function () {
    it('finds it in a chain that grew since', async function () {
      const records = chain(6);
      const result = await verifyChain(from(records), { expectHead: records[3]!.hash });
      assert.deepEqual(result.expectedHead, { hash: records[3]!.hash, foundAt: 4 });
      assert.ok(isTrustworthy(result));
    });

    it('misses it when the newest records were deleted, although the shorter chain is sound', async function () {
      const records = chain(6);
      const head = records[5]!.hash;
      const result = await verifyChain(from(records.slice(0, 4)), { expectHead: head });
      assert.equal(result.broken, undefined);
      assert.deepEqual(result.expectedHead, { hash: head, foundAt: null });
      assert.equal(isTrustworthy(result), false);
    });

    it('misses it when an earlier record was edited and every hash after it recomputed', async function () {
      const records = chain(5);
      const head = records[4]!.hash;
      const rewritten: AuditRecord[] = [records[0]!];
      for (const record of records.slice(1)) {
        const edited = record.id === 2 ? { ...record, outcome: { status: 200, problemType: null } } : record;
        rewritten.push(chainRecord(rewritten.at(-1), edited));
      }
      const result = await verifyChain(from(rewritten), { expectHead: head });
      assert.equal(result.broken, undefined, 'the rewritten chain is consistent in itself');
      assert.equal(result.expectedHead?.foundAt, null);
      assert.equal(isTrustworthy(result), false);
    });

    it('does not count a head found only after a break', async function () {
      const records = chain(5);
      records[1] = { ...records[1]!, tenant: 'globex' };
      const result = await verifyChain(from(records), { expectHead: records[3]!.hash });
      assert.equal(result.expectedHead?.foundAt, null);
      assert.equal(isTrustworthy(result), false);
    });

    it('takes the genesis hash, the head of an empty trail, as found before the first record', async function () {
      assert.ok(isTrustworthy(await verifyChain(from(chain(2)), { expectHead: genesisHash })));
      assert.ok(isTrustworthy(await verifyChain(from([]), { expectHead: genesisHash })));
    });
  });
});
