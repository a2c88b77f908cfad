import assert from 'node:assert/strict';
import { chainRecord, recordHash, type AuditRecord } from './record.js';
import { sampleEntry } from './record.test.js';
import { verifyChain } from './verify.js';

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
});
