/**
 * The audit trail's table and the triggers that make it append-only. Created when missing, and
 * upgraded when it predates record format 2, by whoever connects with the right to (the owner role,
 * through `bulkhead audit-trail init`, or the API itself in a development setup); the API's own
 * role in production holds only INSERT and SELECT, so it can neither create, alter nor disable any
 * of this (docs/api.md has the SQL), and refuses to start on a table it would write wrongly.
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../providers/database/sql-quoting.js';
import { errorMessage } from '../../runtime/errors.js';

export const auditTrailTable = 'bulkhead_api_audit_trail';
const table = quoteIdentifier(auditTrailTable, 'the audit trail table');
const refuseFunction = quoteIdentifier(`${auditTrailTable}_refuse_change`, 'the audit trail trigger function');

/**
 * The id is not a sequence: each record takes the previous record's id + 1 under the append lock
 * (store.ts). A sequence leaks a number on every rolled-back insert, and then a gap would no longer
 * mean "a record was deleted". The primary key and the unique previous_hash make a fork impossible
 * even for a writer that skipped the lock: a second record after the same one is refused.
 */
const createStatements = [
  `CREATE TABLE IF NOT EXISTS ${table} (
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
  `CREATE OR REPLACE FUNCTION ${refuseFunction}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END
  $$`,
  `CREATE OR REPLACE TRIGGER refuse_update_delete BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${refuseFunction}()`,
  `CREATE OR REPLACE TRIGGER refuse_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION ${refuseFunction}()`,
  `REVOKE ALL ON ${table} FROM PUBLIC`,
];

/**
 * Record format 2 (record.ts): each record says how it is hashed, and an outcome carries what the
 * call changed. Existing rows take format 1, which is how they were hashed, so the chain verifies
 * across the upgrade; an API that predates format 2 still inserts format-1 rows (the default), so
 * replicas can be upgraded one at a time. Adding a column with a constant default rewrites no row
 * and fires no row trigger. A new table is created in format 1 and upgraded at once: one path.
 */
const upgradeStatements = [
  `ALTER TABLE ${table}
    ADD COLUMN format smallint NOT NULL DEFAULT 1 CHECK (format IN (1, 2)),
    ADD COLUMN changes text,
    ADD CHECK (changes IS NULL OR format = 2)`,
];

export type SchemaChange = 'created' | 'upgraded' | 'exists';

type SchemaState = 'missing' | 'outdated' | 'current';

const unusable = {
  missing: { problem: 'does not exist and this role cannot create it', fix: 'create' },
  outdated: { problem: 'predates record format 2 and this role cannot upgrade it', fix: 'upgrade' },
};

export class AuditTrailSchemaMissing extends Error {
  constructor(state: 'missing' | 'outdated', detail: string) {
    const { problem, fix } = unusable[state];
    super(
      `the audit trail table ${auditTrailTable} ${problem} (${detail}); ` +
        `${fix} it as its owner with \`bulkhead audit-trail init\` (see docs/api.md)`,
    );
    this.name = 'AuditTrailSchemaMissing';
  }
}

export async function schemaState(client: pg.ClientBase | pg.Pool): Promise<SchemaState> {
  const result = await client.query<{ present: boolean; format: boolean }>(
    `SELECT to_regclass($1) IS NOT NULL AS present,
    EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass($1) AND attname = 'format' AND NOT attisdropped) AS format`,
    [auditTrailTable],
  );
  const row = result.rows[0];
  if (!row?.present) return 'missing';
  return row.format ? 'current' : 'outdated';
}

/** Brings the table to the current format inside the caller's transaction; says what it did. */
async function createOrUpgrade(client: pg.ClientBase, state: 'missing' | 'outdated'): Promise<SchemaChange> {
  if (state === 'missing') {
    for (const statement of createStatements) await client.query(statement);
  }
  for (const statement of upgradeStatements) await client.query(statement);
  return state === 'missing' ? 'created' : 'upgraded';
}

/** Creates the table and its triggers, or upgrades it to the current format. Two callers at once do it once. */
export async function ensureAuditTrailSchema(pool: pg.Pool): Promise<SchemaChange> {
  const client = await pool.connect();
  let state: SchemaState | undefined;
  try {
    state = await schemaState(client);
    if (state === 'current') return 'exists';
    await client.query('BEGIN');
    // Serializes two replicas starting at once; released at COMMIT.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [auditTrailTable]);
    state = await schemaState(client);
    const change = state === 'current' ? 'exists' : await createOrUpgrade(client, state);
    await client.query('COMMIT');
    return change;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const denied = (error as { code?: string }).code === '42501';
    if (denied && (state === 'missing' || state === 'outdated')) throw new AuditTrailSchemaMissing(state, errorMessage(error));
    throw error;
  } finally {
    client.release();
  }
}

/** Lets `role` append and read, and nothing else: the grant docs/api.md gives the API's role. */
export async function grantAppend(pool: pg.Pool, role: string): Promise<void> {
  await pool.query(`GRANT SELECT, INSERT ON ${table} TO ${quoteIdentifier(role, 'the role to grant')}`);
}
