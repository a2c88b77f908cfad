/**
 * The rate limit's table, in the audit trail's database: one row per caller holding the moment its
 * bucket is full again (GCRA's "theoretical arrival time"; a row in the past is the same as no
 * row, and is deleted) and the latest instant it was looked at. Created, like the trail's table, by `bulkhead audit-trail init` as the
 * owner (which grants the API's role SELECT, INSERT, UPDATE, DELETE on it with --grant), or by the
 * API itself at start when its role may create tables (a development setup).
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../providers/database/sql-quoting.js';

export const rateLimitTable = 'bulkhead_api_rate_limit';
export const table = quoteIdentifier(rateLimitTable, 'the rate limit table');
const expiryIndex = quoteIdentifier(`${rateLimitTable}_full_at`, 'the rate limit index');

const createStatements = [
  `CREATE TABLE IF NOT EXISTS ${table} (
    caller text PRIMARY KEY,
    full_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    allowed boolean NOT NULL
  )`,
  `CREATE INDEX IF NOT EXISTS ${expiryIndex} ON ${table} (full_at)`,
  `REVOKE ALL ON ${table} FROM PUBLIC`,
];

export class RateLimitTableMissing extends Error {
  constructor(detail: string) {
    super(
      `the rate limit table ${rateLimitTable} does not exist and this role cannot create it (${detail}); ` +
        'create it as the database owner with `bulkhead audit-trail init --grant <API role>` (see docs/api.md)',
    );
    this.name = 'RateLimitTableMissing';
  }
}

/** Creates the table when it is missing; two replicas starting at once create it once. Says whether it did. */
export async function ensureRateLimitTable(pool: pg.Pool): Promise<'created' | 'exists'> {
  const exists = async (client: pg.ClientBase): Promise<boolean> =>
    (await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', [rateLimitTable])).rows[0]?.present ?? false;
  const client = await pool.connect();
  try {
    if (await exists(client)) return 'exists';
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [rateLimitTable]);
    const created = !(await exists(client));
    if (created) for (const statement of createStatements) await client.query(statement);
    await client.query('COMMIT');
    return created ? 'created' : 'exists';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === '42501') throw new RateLimitTableMissing((error as Error).message);
    throw error;
  } finally {
    client.release();
  }
}

/** What the API's role needs: read and write its callers' rows, and delete the expired ones. */
export async function grantRateLimit(pool: pg.Pool, role: string): Promise<void> {
  await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${quoteIdentifier(role, 'the role to grant')}`);
}
