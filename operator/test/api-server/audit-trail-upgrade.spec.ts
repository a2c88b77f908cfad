/**
 * Upgrading an audit trail written before record format 2, in real PostgreSQL: the API's role
 * cannot alter the table, so the API refuses to start on it and names `bulkhead audit-trail init`
 * (verify still reads it); init, as the owner, adds the new columns; then the old records, new
 * ones, and one more from an API replica not yet upgraded verify as one chain.
 */
import assert from 'node:assert/strict';
import pg from 'pg';
import { genesisHash, recordHash, type AuditEntry } from '../../src/api-server/audit-trail/record.js';
import { PgAuditTrail } from '../../src/api-server/audit-trail/store.js';
import { quoteIdentifier } from '../../src/providers/database/sql-quoting.js';
import { allRecords, bulkheadAuditTrail, createTrailDatabase, withSuperuser, type TrailDatabase } from './audit-trail-database.js';
import { runId } from './support.js';

/** The table, function and triggers exactly as `audit-trail init` created them before format 2. */
const formatOneSchema = [
  `CREATE TABLE bulkhead_api_audit_trail (
    id bigint PRIMARY KEY CHECK (id > 0),
    recorded_at timestamptz NOT NULL,
    phase text NOT NULL CHECK (phase IN ('attempt', 'outcome')),
    actor_id text NOT NULL,
    actor_role text NOT NULL,
    method text NOT NULL,
    route text NOT NULL,
    tenant text,
    request_id text NOT NULL,
    status integer,
    problem_type text,
    previous_hash text NOT NULL UNIQUE CHECK (previous_hash ~ '^[0-9a-f]{64}$'),
    hash text NOT NULL UNIQUE CHECK (hash ~ '^[0-9a-f]{64}$'),
    CHECK ((phase = 'attempt') = (status IS NULL))
  )`,
  `CREATE OR REPLACE FUNCTION bulkhead_api_audit_trail_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  'CREATE OR REPLACE TRIGGER refuse_update_delete BEFORE UPDATE OR DELETE ON bulkhead_api_audit_trail FOR EACH ROW EXECUTE FUNCTION bulkhead_api_audit_trail_refuse_change()',
  'CREATE OR REPLACE TRIGGER refuse_truncate BEFORE TRUNCATE ON bulkhead_api_audit_trail FOR EACH STATEMENT EXECUTE FUNCTION bulkhead_api_audit_trail_refuse_change()',
  'REVOKE ALL ON bulkhead_api_audit_trail FROM PUBLIC',
];

const entry = (index: number): AuditEntry => ({
  time: new Date(),
  phase: index % 2 === 1 ? 'attempt' : 'outcome',
  actorId: 'token:upgrade-spec',
  actorRole: 'sales-ops',
  method: 'PATCH',
  route: '/v1/tenants/{name}',
  tenant: 'acme',
  requestId: `upgrade-${Math.ceil(index / 2)}`,
  outcome: index % 2 === 1 ? null : { status: 200, problemType: null },
  changes: index % 2 === 1 ? null : [{ field: 'suspended', value: true }],
});

/** What an API from before format 2 does: the thirteen columns it knew, hashed as format 1, under the append lock. */
async function appendAsFormatOne(url: string, index: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock('bulkhead_api_audit_trail'::regclass::oid::bigint)");
    const head = (
      await client.query<{ id: string; hash: string }>('SELECT id, hash FROM bulkhead_api_audit_trail ORDER BY id DESC LIMIT 1')
    ).rows[0];
    const id = Number(head?.id ?? 0) + 1;
    const previousHash = head?.hash ?? genesisHash;
    const record = { ...entry(index), format: 1 as const };
    await client.query(
      `INSERT INTO bulkhead_api_audit_trail (id, recorded_at, phase, actor_id, actor_role, method, route, tenant, request_id,
      status, problem_type, previous_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
      [
        id,
        record.time,
        record.phase,
        record.actorId,
        record.actorRole,
        record.method,
        record.route,
        record.tenant,
        record.requestId,
        record.outcome?.status ?? null,
        record.outcome?.problemType ?? null,
        previousHash,
        recordHash(id, previousHash, record),
      ],
    );
    await client.query('COMMIT');
  } finally {
    await client.end();
  }
}

describe('upgrading an audit trail written before record format 2', function () {
  let database: TrailDatabase;

  before(async function () {
    database = await createTrailDatabase(`upgrade_${runId}`, { init: false });
    await withSuperuser(database.database, async (client) => {
      for (const statement of formatOneSchema) await client.query(statement);
      await client.query(`GRANT SELECT, INSERT ON bulkhead_api_audit_trail TO ${quoteIdentifier(database.apiRole)}`);
    });
    for (let index = 1; index <= 4; index++) await appendAsFormatOne(database.apiUrl, index);
  });

  after(async function () {
    await database?.drop();
  });

  it('keeps the API from starting on the old table, naming the command that upgrades it', async function () {
    const trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    try {
      await assert.rejects(
        trail.ensureSchema(),
        /predates record format 2 and this role cannot upgrade it .*upgrade it as its owner with `bulkhead audit-trail init`/,
      );
    } finally {
      await trail.close();
    }
    const verify = await bulkheadAuditTrail(database.apiUrl, 'verify');
    assert.equal(verify.code, 0, 'verify reads the old table as it is');
    assert.match(verify.stdout, /^Audit trail intact: verified 4 records/);
  });

  it('upgrades it with init as the owner; old records, new ones and those of a replica not yet upgraded verify as one chain', async function () {
    const init = await bulkheadAuditTrail(database.superuserUrl, 'init', '--grant', database.apiRole);
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^Upgraded the audit trail table to record format 2$/m);
    assert.match((await bulkheadAuditTrail(database.superuserUrl, 'init')).stdout, /^The audit trail table exists$/m);

    const trail = new PgAuditTrail({ url: database.apiUrl, allowExitOnIdle: true });
    try {
      assert.equal(await trail.ensureSchema(), 'exists');
      await trail.append(entry(5));
      await trail.append(entry(6));
      await appendAsFormatOne(database.apiUrl, 7);
      const records = await allRecords(trail);
      assert.deepEqual(
        records.map((record) => record.format),
        [1, 1, 1, 1, 2, 2, 1],
      );
      assert.deepEqual(records[5]?.changes, [{ field: 'suspended', value: true }]);
    } finally {
      await trail.close();
    }
    const verify = await bulkheadAuditTrail(database.apiUrl, 'verify');
    assert.equal(verify.code, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^Audit trail intact: verified 7 records/);
  });
});
