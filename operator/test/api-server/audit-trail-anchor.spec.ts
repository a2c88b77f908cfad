/**
 * Anchoring the audit trail's head, against real PostgreSQL with `bulkhead audit-trail verify` run
 * as a child process: a head recorded earlier is found in a chain that grew since; once a superuser
 * deletes the newest records, or edits one and recomputes every hash after it, the chain alone still
 * verifies and only `--expect-head` shows what happened. The records are appended as the API appends
 * them; no control plane is needed.
 */
import assert from 'node:assert/strict';
import { genesisHash, recordHash, type AuditEntry, type AuditRecord } from '../../src/api-server/audit-trail/record.js';
import { auditTrailTable } from '../../src/api-server/audit-trail/schema.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { allRecords, bulkheadAuditTrail, createTrailDatabase, withSuperuser, type TrailDatabase } from './audit-trail-database.js';
import { runId } from './support.js';

const entry = (index: number): AuditEntry => ({
  time: new Date(),
  phase: 'outcome',
  actorId: 'token:anchor-spec',
  actorRole: 'platform-admin',
  method: 'PATCH',
  route: '/v1/tenants/{name}',
  tenant: 'acme',
  requestId: `anchor-${index}`,
  outcome: { status: 200, problemType: null },
  changes: [{ field: 'plan', value: index % 2 === 0 ? 'standard' : 'enterprise' }],
});

interface VerifyJson {
  intact: boolean;
  verified: number;
  headId: number;
  headHash: string;
  expectedHead?: { hash: string; foundAt: number | null };
}

describe('anchoring the audit trail head (bulkhead audit-trail verify --expect-head)', function () {
  let database: TrailDatabase;
  let trail: PgAuditTrail;
  let appended = 0;

  const append = async (count: number) => {
    for (let i = 0; i < count; i++) await trail.append(entry((appended += 1)));
  };
  const verifyJson = async (...args: string[]) => {
    const run = await bulkheadAuditTrail(database.apiUrl, 'verify', '--format', 'json', ...args);
    return { code: run.code, result: JSON.parse(run.stdout) as VerifyJson };
  };

  before(async function () {
    database = await createTrailDatabase(`anchor_${runId}`);
    trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    await append(6);
  });

  after(async function () {
    await trail?.close();
    await database?.drop();
  });

  /** What a superuser can do: switch the trigger off, run statements, switch it on. */
  async function asSuperuser(statements: { text: string; values?: unknown[] }[]): Promise<void> {
    await withSuperuser(database.database, async (client) => {
      await client.query(`ALTER TABLE ${auditTrailTable} DISABLE TRIGGER refuse_update_delete`);
      for (const statement of statements) await client.query(statement.text, statement.values);
      await client.query(`ALTER TABLE ${auditTrailTable} ENABLE TRIGGER refuse_update_delete`);
    });
  }

  it('finds a head recorded earlier in a chain that grew since, and prints the head to record next', async function () {
    const recorded = await verifyJson();
    assert.deepEqual([recorded.code, recorded.result.intact, recorded.result.headId], [0, true, 6]);
    await append(2);
    const head = (await allRecords(trail)).at(-1)!;
    const text = await bulkheadAuditTrail(database.apiUrl, 'verify', '--expect-head', recorded.result.headHash);
    assert.equal(text.code, 0, text.stdout + text.stderr);
    assert.match(text.stdout, new RegExp(`head is record 8 with hash ${head.hash}\nThe expected head is record 6; 2 records follow it`));
    assert.equal((await bulkheadAuditTrail(database.apiUrl, 'verify', '--expect-head', recorded.result.headHash.toUpperCase())).code, 0);
  });

  it('refuses an expected head that is not a hash, naming the option (exit 2)', async function () {
    const run = await bulkheadAuditTrail(database.apiUrl, 'verify', '--expect-head', 'record-6');
    assert.equal(run.code, 2);
    assert.match(run.stderr, /--expect-head must be a head hash as verify printed it: 64 hexadecimal digits/);
  });

  it('fails when the newest records were deleted, which the chain alone cannot show', async function () {
    const records = await allRecords(trail);
    const head = records.at(-1)!;
    await asSuperuser([{ text: `DELETE FROM ${auditTrailTable} WHERE id > 6` }]);
    const unanchored = await verifyJson();
    assert.deepEqual(
      [unanchored.code, unanchored.result.intact, unanchored.result.verified],
      [0, true, 6],
      'a shorter chain is still a sound chain',
    );

    const text = await bulkheadAuditTrail(database.apiUrl, 'verify', '--expect-head', head.hash);
    assert.equal(text.code, 1, text.stdout);
    assert.match(
      text.stdout,
      new RegExp(`^Audit trail BROKEN: the expected head ${head.hash} is not in the chain: the records up to it were deleted`),
    );
    assert.match(text.stdout, new RegExp(`head is record 6 with hash ${records[5]!.hash}`), 'prints the current head');
    const json = await verifyJson('--expect-head', head.hash);
    assert.equal(json.code, 1);
    assert.deepEqual([json.result.intact, json.result.expectedHead], [false, { hash: head.hash, foundAt: null }]);
  });

  it('fails when a record was edited and every hash after it recomputed', async function () {
    const records = await allRecords(trail);
    const head = records.at(-1)!;
    // The edit an insider would hide: record 2 said 200, make it a refusal, then recompute the rest of the chain.
    let previousHash = records[0]?.hash ?? genesisHash;
    const statements = records.slice(1).map((record: AuditRecord) => {
      const edited = record.id === 2 ? { ...record, outcome: { status: 403, problemType: 'forbidden' } } : record;
      const hash = recordHash(record.id, previousHash, edited);
      const statement = {
        text: `UPDATE ${auditTrailTable} SET status = $1, problem_type = $2, previous_hash = $3, hash = $4 WHERE id = $5`,
        values: [edited.outcome?.status, edited.outcome?.problemType, previousHash, hash, record.id],
      };
      previousHash = hash;
      return statement;
    });
    await asSuperuser(statements);
    const unanchored = await verifyJson();
    assert.deepEqual(
      [unanchored.code, unanchored.result.intact, unanchored.result.verified],
      [0, true, records.length],
      'the rewritten chain is consistent',
    );
    assert.notEqual(unanchored.result.headHash, head.hash);

    const anchored = await verifyJson('--expect-head', head.hash);
    assert.equal(anchored.code, 1);
    assert.deepEqual(anchored.result.expectedHead, { hash: head.hash, foundAt: null });
  });
});
