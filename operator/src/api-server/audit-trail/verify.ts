/**
 * Walks a hash chain in id order and finds the first record that breaks it. Three ways a record
 * can break it: its id is not the one after the previous record's (a record was deleted: ids are
 * assigned without gaps, see store.ts), its previous hash is not the previous record's hash (a
 * record before it was replaced or removed), or its hash does not match its own fields (it was
 * edited). Pure: the records come from any async source, so the rules are unit-tested directly.
 *
 * What a sound chain cannot show on its own: that its newest records were deleted, or that someone
 * with write access recomputed every hash after an edit. Both are caught against a head recorded
 * earlier somewhere else (`expectHead`): the chain must still contain that exact record, sound, or
 * everything up to it is no longer what was recorded.
 */
import { genesisHash, recordHash, type AuditRecord } from './record.js';

export type BreakKind = 'id-gap' | 'previous-hash-mismatch' | 'hash-mismatch';

export interface ChainBreak {
  id: number;
  kind: BreakKind;
  detail: string;
}

export interface VerifyResult {
  /** Records checked and found sound before the first break (all of them when intact). */
  verified: number;
  /** The last sound record's hash: the value to keep elsewhere to detect a truncated tail later. */
  headHash: string;
  headId: number;
  broken: ChainBreak | undefined;
  /** When a head recorded earlier was given: whether the sound chain still holds it, and where. */
  expectedHead?: { hash: string; foundAt: number | null };
}

/** Sound, and (when asked) still holding the head recorded earlier: what `verify` exits 0 on. */
export function isTrustworthy(result: VerifyResult): boolean {
  return result.broken === undefined && (result.expectedHead === undefined || result.expectedHead.foundAt !== null);
}

/** The first way `record` breaks the chain after `previous`, if any. */
export function checkRecord(previous: { id: number; hash: string } | undefined, record: AuditRecord): ChainBreak | undefined {
  const expectedId = (previous?.id ?? 0) + 1;
  if (record.id !== expectedId) {
    const missing = record.id > expectedId ? `records ${expectedId} to ${record.id - 1} are missing (deleted)` : 'ids are out of order';
    return { id: record.id, kind: 'id-gap', detail: `expected id ${expectedId}, found ${record.id}: ${missing}` };
  }
  const expectedPrevious = previous?.hash ?? genesisHash;
  if (record.previousHash !== expectedPrevious) {
    return {
      id: record.id,
      kind: 'previous-hash-mismatch',
      detail: `previous hash ${record.previousHash} is not the hash of record ${expectedId - 1} (${expectedPrevious})`,
    };
  }
  const computed = recordHash(record.id, record.previousHash, record);
  if (record.hash !== computed) {
    return {
      id: record.id,
      kind: 'hash-mismatch',
      detail: `stored hash ${record.hash} does not match its fields (computed ${computed}): the record was changed`,
    };
  }
  return undefined;
}

export async function verifyChain(records: AsyncIterable<AuditRecord>, options: { expectHead?: string } = {}): Promise<VerifyResult> {
  let previous: AuditRecord | undefined;
  let verified = 0;
  // The head of an empty trail is the genesis hash: every chain starts after it.
  let foundAt: number | null = options.expectHead === genesisHash ? 0 : null;
  const result = (broken: ChainBreak | undefined): VerifyResult => ({
    verified,
    headHash: previous?.hash ?? genesisHash,
    headId: previous?.id ?? 0,
    broken,
    ...(options.expectHead === undefined ? {} : { expectedHead: { hash: options.expectHead, foundAt } }),
  });
  for await (const record of records) {
    const broken = checkRecord(previous, record);
    if (broken) return result(broken);
    previous = record;
    verified += 1;
    if (record.hash === options.expectHead) foundAt = record.id;
  }
  return result(undefined);
}
