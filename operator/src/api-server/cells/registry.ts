/**
 * The cell registry in PostgreSQL (schema.ts): the cells and which tenant lives in which.
 *
 * Placing is one transaction under an advisory lock, so two API replicas placing at once count
 * the same loads and never fill a cell past its capacity; the lock needs no privilege and is
 * released at COMMIT or ROLLBACK. Reads (where does tenant X live?) take no lock.
 */
import pg from 'pg';
import type { Cell, CellLoad, CellState, PlacementRule } from './placement.js';
import { cellTable, ensureCellTables, placementTable } from './schema.js';

interface CellRow {
  name: string;
  regions: string[];
  capacity: number;
  state: CellState;
  kubeconfig_namespace: string;
  kubeconfig_name: string;
  tenants?: string;
}

const cellFromRow = (row: CellRow): Cell => ({
  name: row.name,
  regions: row.regions,
  capacity: row.capacity,
  state: row.state,
  kubeconfigSecret: { namespace: row.kubeconfig_namespace, name: row.kubeconfig_name },
});

const loadsQuery = `SELECT c.*, (SELECT count(*) FROM ${placementTable} p WHERE p.cell = c.name) AS tenants FROM ${cellTable} c ORDER BY c.name`;

export interface PlacementRecord {
  tenant: string;
  cell: string;
  idempotencyRecord: string;
}

/** What placing a tenant found: a new placement, the one an earlier attempt with this key made, or a refusal. */
export type PlaceResult =
  | { outcome: 'placed' | 'replayed'; cell: Cell }
  | { outcome: 'name-taken' | 'key-reused'; cell: Cell }
  | { outcome: 'no-cell' }
  | { outcome: 'no-cells-registered' };

export interface CellChange {
  state?: CellState;
  capacity?: number;
}

/** Runs `statement` in the outcome record's transaction (record-mutations.ts); see decision 0042. */
export async function confirmPlacement(client: pg.ClientBase, tenant: string, auditRecordId: number): Promise<void> {
  await client.query(`UPDATE ${placementTable} SET audit_record_id = $2 WHERE tenant = $1`, [tenant, auditRecordId]);
}

export class PgCellRegistry {
  private readonly pool: pg.Pool;

  constructor(options: { url: string; allowExitOnIdle?: boolean }, onIdleError: (error: Error) => void = () => undefined) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      connectionTimeoutMillis: 5_000,
      statement_timeout: 10_000,
      max: 4,
      application_name: 'bulkhead-api-cells',
      allowExitOnIdle: options.allowExitOnIdle ?? false,
    });
    this.pool.on('error', onIdleError);
  }

  ensureTables(): Promise<'created' | 'exists'> {
    return ensureCellTables(this.pool);
  }

  async loads(): Promise<CellLoad[]> {
    const rows = (await this.pool.query<CellRow>(loadsQuery)).rows;
    return rows.map((row) => ({ cell: cellFromRow(row), tenants: Number(row.tenants ?? 0) }));
  }

  async cell(name: string): Promise<Cell | undefined> {
    const row = (await this.pool.query<CellRow>(`SELECT * FROM ${cellTable} WHERE name = $1`, [name])).rows[0];
    return row && cellFromRow(row);
  }

  /** Registers a cell; false when one of that name is registered already (nothing changes then). */
  async register(cell: Cell): Promise<boolean> {
    const inserted = await this.pool.query(
      `INSERT INTO ${cellTable} (name, regions, capacity, state, kubeconfig_namespace, kubeconfig_name)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (name) DO NOTHING`,
      [cell.name, cell.regions, cell.capacity, cell.state, cell.kubeconfigSecret.namespace, cell.kubeconfigSecret.name],
    );
    return inserted.rowCount === 1;
  }

  /** Changes a cell's state or capacity; undefined when no such cell. */
  async change(name: string, change: CellChange): Promise<Cell | undefined> {
    const row = (
      await this.pool.query<CellRow>(
        `UPDATE ${cellTable} SET state = coalesce($2, state), capacity = coalesce($3, capacity) WHERE name = $1 RETURNING *`,
        [name, change.state ?? null, change.capacity ?? null],
      )
    ).rows[0];
    return row && cellFromRow(row);
  }

  /** The cell `tenant` was placed in; undefined for a tenant of the local cluster (or none). */
  async placementOf(tenant: string): Promise<Cell | undefined> {
    const row = (
      await this.pool.query<CellRow>(`SELECT c.* FROM ${placementTable} p JOIN ${cellTable} c ON c.name = p.cell WHERE p.tenant = $1`, [
        tenant,
      ])
    ).rows[0];
    return row && cellFromRow(row);
  }

  /**
   * Places `tenant` of `region` by `rule`, or finds where the attempt with `idempotencyRecord`
   * placed it (a retry, whichever replica it reaches), in one transaction under the placement lock.
   */
  async place(tenant: string, region: string, idempotencyRecord: string, rule: PlacementRule): Promise<PlaceResult> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['bulkhead_api_tenant_cells']);
      const result = await placeLocked(client, { tenant, region, idempotencyRecord, rule });
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** Forgets the placement an attempt made, when that attempt created no Tenant. */
  async release(tenant: string, idempotencyRecord: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${placementTable} WHERE tenant = $1 AND idempotency_record = $2`, [tenant, idempotencyRecord]);
  }

  /** Forgets a tenant's placement once its Tenant is gone from its cell. */
  async forget(tenant: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${placementTable} WHERE tenant = $1`, [tenant]);
  }

  /**
   * Forgets a placement whose Tenant was found gone from its cell, if the placement was confirmed
   * (its Tenant was created, so gone means deleted); an unconfirmed one may belong to a create in flight.
   */
  async forgetConfirmed(tenant: string): Promise<void> {
    await this.pool.query(`DELETE FROM ${placementTable} WHERE tenant = $1 AND audit_record_id IS NOT NULL`, [tenant]);
  }

  /** Marks the placement recorded when the audit trail is disabled (no outcome record to share a transaction with). */
  async confirmUnaudited(tenant: string): Promise<void> {
    await this.pool.query(`UPDATE ${placementTable} SET audit_record_id = 0 WHERE tenant = $1`, [tenant]);
  }

  /** For the outcome record's transaction, which runs on the audit trail's connection. */
  confirmWithin(tenant: string): (client: pg.ClientBase, auditRecordId: number) => Promise<void> {
    return (client, auditRecordId) => confirmPlacement(client, tenant, auditRecordId);
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

interface PlaceRequest {
  tenant: string;
  region: string;
  idempotencyRecord: string;
  rule: PlacementRule;
}

/** A retry of the same call, the same key used for another tenant, or another call's tenant of the same name. */
function earlierOutcome(
  earlier: { tenant: string; idempotency_record: string },
  request: PlaceRequest,
): 'replayed' | 'key-reused' | 'name-taken' {
  if (earlier.idempotency_record !== request.idempotencyRecord) return 'name-taken';
  return earlier.tenant === request.tenant ? 'replayed' : 'key-reused';
}

async function placeLocked(client: pg.ClientBase, request: PlaceRequest): Promise<PlaceResult> {
  const earlier = (
    await client.query<CellRow & { tenant: string; idempotency_record: string }>(
      `SELECT c.*, p.tenant, p.idempotency_record FROM ${placementTable} p JOIN ${cellTable} c ON c.name = p.cell WHERE p.idempotency_record = $1 OR p.tenant = $2
       ORDER BY (p.idempotency_record = $1) DESC LIMIT 1`,
      [request.idempotencyRecord, request.tenant],
    )
  ).rows[0];
  if (earlier) return { outcome: earlierOutcome(earlier, request), cell: cellFromRow(earlier) };
  const loads = (await client.query<CellRow>(loadsQuery)).rows.map((row) => ({
    cell: cellFromRow(row),
    tenants: Number(row.tenants ?? 0),
  }));
  if (loads.length === 0) return { outcome: 'no-cells-registered' };
  const cell = request.rule(request.region, loads);
  if (!cell) return { outcome: 'no-cell' };
  await client.query(`INSERT INTO ${placementTable} (tenant, cell, idempotency_record) VALUES ($1, $2, $3)`, [
    request.tenant,
    cell.name,
    request.idempotencyRecord,
  ]);
  return { outcome: 'placed', cell };
}
