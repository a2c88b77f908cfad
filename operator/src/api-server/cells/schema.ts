/**
 * The cell registry's tables, in the onboarding API's PostgreSQL beside the audit trail: the cells
 * (clusters running Bulkhead) and the placements (which cell each tenant lives in). Created like
 * the rate limit's table (rate-limit/table.ts): by `bulkhead audit-trail init` as the owner, or by
 * the API itself at start when its role may create tables (a development setup).
 *
 * A tenant's name is the placement's primary key, so a name is unique across the fleet; the
 * idempotency record is unique too, so a retry finds the cell its first attempt chose.
 * `audit_record_id` is set in the same transaction as the audit trail's outcome record of the call
 * that placed the tenant (decision 0042); null means that record is not written (yet).
 */
import type pg from 'pg';
import { quoteIdentifier } from '../../providers/database/sql-quoting.js';

export const cellTable = quoteIdentifier('bulkhead_api_cells', 'the cells table');
export const placementTable = quoteIdentifier('bulkhead_api_tenant_cells', 'the placements table');
const lockName = 'bulkhead_api_cells';

const createStatements = [
  `CREATE TABLE IF NOT EXISTS ${cellTable} (
    name text PRIMARY KEY CHECK (name ~ '^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$'),
    regions text[] NOT NULL CHECK (cardinality(regions) > 0),
    capacity integer NOT NULL CHECK (capacity >= 0),
    state text NOT NULL CHECK (state IN ('open', 'draining', 'closed')),
    kubeconfig_namespace text NOT NULL,
    kubeconfig_name text NOT NULL,
    registered_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE TABLE IF NOT EXISTS ${placementTable} (
    tenant text PRIMARY KEY,
    cell text NOT NULL REFERENCES ${cellTable} (name),
    idempotency_record text NOT NULL UNIQUE,
    placed_at timestamptz NOT NULL DEFAULT now(),
    audit_record_id bigint
  )`,
  `CREATE INDEX IF NOT EXISTS ${quoteIdentifier('bulkhead_api_tenant_cells_cell', 'the placements index')} ON ${placementTable} (cell)`,
  `REVOKE ALL ON ${cellTable}, ${placementTable} FROM PUBLIC`,
];

export class CellTablesMissing extends Error {
  constructor(detail: string) {
    super(
      `the cell registry tables do not exist and this role cannot create them (${detail}); ` +
        'create them as the database owner with `bulkhead audit-trail init --grant <API role>` (see docs/cells.md)',
    );
    this.name = 'CellTablesMissing';
  }
}

const present = async (client: pg.ClientBase): Promise<boolean> =>
  (await client.query<{ present: boolean }>('SELECT to_regclass($1) IS NOT NULL AS present', ['bulkhead_api_tenant_cells'])).rows[0]
    ?.present ?? false;

/** Creates the tables when missing; two replicas starting at once create them once. */
export async function ensureCellTables(pool: pg.Pool): Promise<'created' | 'exists'> {
  const client = await pool.connect();
  try {
    if (await present(client)) return 'exists';
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
    const created = !(await present(client));
    if (created) for (const statement of createStatements) await client.query(statement);
    await client.query('COMMIT');
    return created ? 'created' : 'exists';
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    if ((error as { code?: string }).code === '42501') throw new CellTablesMissing((error as Error).message);
    throw error;
  } finally {
    client.release();
  }
}

/** What the API's role needs: register and change cells, place and release tenants. */
export async function grantCells(pool: pg.Pool, role: string): Promise<void> {
  const grantee = quoteIdentifier(role, 'the role to grant');
  await pool.query(`GRANT SELECT, INSERT, UPDATE ON ${cellTable} TO ${grantee}`);
  await pool.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${placementTable} TO ${grantee}`);
}
