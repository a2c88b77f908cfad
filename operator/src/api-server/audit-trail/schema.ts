/**
 * The audit trail's table and the triggers that make it append-only. Created when missing by
 * whoever connects with the right to (the owner role, through `bulkhead audit-trail init`, or the
 * API itself in a development setup); the API's own role in production holds only INSERT and
 * SELECT, so it can neither create, alter nor disable any of this (docs/api.md has the SQL).
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../providers/database/sql-quoting.js';

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

export class AuditTrailSchemaMissing extends Error {
  constructor(detail: string) {
    super(`the audit trail table ${auditTrailTable} does not exist and this role cannot create it (${detail}); `
      + 'create it as its owner with `bulkhead audit-trail init` (see docs/api.md)');
    this.name = 'AuditTrailSchemaMissing';
  }
}

async function tableExists(client: pg.ClientBase): Promise<boolean> {
  const result = await client.query<{ exists: boolean }>('SELECT to_regclass($1) IS NOT NULL AS exists', [auditTrailTable]);
  return result.rows[0]?.exists === true;
}

/** Creates the table and its triggers unless the table exists. Two callers at once create them once. */
export async function ensureAuditTrailSchema(pool: pg.Pool): Promise<'created' | 'exists'> {
  const client = await pool.connect();
  try {
    if (await tableExists(client)) return 'exists';
    await client.query('BEGIN');
    // Serializes two replicas starting at once on an empty database; released at COMMIT.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [auditTrailTable]);
    if (await tableExists(client)) {
      await client.query('COMMIT');
      return 'exists';
    }
    for (const statement of createStatements) await client.query(statement);
    await client.query('COMMIT');
    return 'created';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === '42501') throw new AuditTrailSchemaMissing((error as Error).message);
    throw error;
  } finally {
    client.release();
  }
}

/** Lets `role` append and read, and nothing else: the grant docs/api.md gives the API's role. */
export async function grantAppend(pool: pg.Pool, role: string): Promise<void> {
  await pool.query(`GRANT SELECT, INSERT ON ${table} TO ${quoteIdentifier(role, 'the role to grant')}`);
}
