/**
 * The audit trail in PostgreSQL: appends records to the hash chain and reads them back in id order.
 *
 * Appends are serialized with a transaction-scoped advisory lock keyed on the table's oid, so two
 * API replicas (or two requests in one) never read the same head and fork the chain. Why not a
 * head row locked FOR UPDATE, or LOCK TABLE: both need UPDATE on some table, and the API's role is
 * meant to hold only INSERT and SELECT; an advisory lock needs no privilege at all, is released by
 * COMMIT or ROLLBACK (a crashed replica cannot leave it held), and only writers take it, so readers
 * and `bulkhead audit-trail verify` never wait. The primary key on id and the unique previous_hash
 * are the backstop: a writer that skipped the lock fails instead of forking.
 */
import canonicalize from 'canonicalize';
import pg from 'pg';
import { chainRecord, type AuditEntry, type AuditRecord, type FieldChange, type RecordFormat } from './record.js';
import { auditTrailTable, ensureAuditTrailSchema, schemaState, type SchemaChange } from './schema.js';
import { quoteIdentifier } from '../../providers/database/sql-quoting.js';

const table = quoteIdentifier(auditTrailTable, 'the audit trail table');

/**
 * A write that must commit with a record or not at all (a tenant's placement in a cell, decision
 * 0042); it runs on the trail's connection, inside the record's transaction, after the insert.
 */
export type AlongsideRecord = (client: pg.ClientBase, recordId: number) => Promise<void>;

/** What the API needs of a trail; the middleware appends, never reads. */
export interface AuditTrail {
  append(entry: AuditEntry, alongside?: AlongsideRecord[]): Promise<AuditRecord>;
}

interface RecordRow {
  id: string;
  recorded_at: Date;
  phase: 'attempt' | 'outcome';
  actor_id: string;
  actor_role: string;
  method: string;
  route: string;
  tenant: string | null;
  request_id: string;
  status: number | null;
  problem_type: string | null;
  format: RecordFormat;
  /** The RFC 8785 JSON of the changes: text, not jsonb, so the stored bytes are exactly what was hashed. */
  changes: string | null;
  previous_hash: string;
  hash: string;
}

const columns =
  'id, recorded_at, phase, actor_id, actor_role, method, route, tenant, request_id, status, problem_type, ' +
  'format, changes, previous_hash, hash';
/** The same, from a table not yet upgraded to format 2: all its records are format 1. */
const formatOneColumns = columns.replace('format, changes', '1::smallint AS format, NULL::text AS changes');

/** Changes as stored; text that is not JSON (only a hand edit writes that) is kept as is, so verify names the record. */
function changesFromColumn(text: string | null): FieldChange[] | null {
  if (text === null) return null;
  try {
    return JSON.parse(text) as FieldChange[];
  } catch {
    return text as unknown as FieldChange[];
  }
}

function recordFromRow(row: RecordRow): AuditRecord {
  return {
    id: Number(row.id),
    time: row.recorded_at,
    phase: row.phase,
    actorId: row.actor_id,
    actorRole: row.actor_role,
    method: row.method,
    route: row.route,
    tenant: row.tenant,
    requestId: row.request_id,
    outcome: row.status === null ? null : { status: row.status, problemType: row.problem_type },
    format: row.format,
    changes: changesFromColumn(row.changes),
    previousHash: row.previous_hash,
    hash: row.hash,
  };
}

function rowValues(record: AuditRecord): unknown[] {
  return [
    record.id,
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
    record.format,
    record.changes === null ? null : canonicalize(record.changes),
    record.previousHash,
    record.hash,
  ];
}

export interface PgAuditTrailOptions {
  /** postgres://user:password@host:port/database. Never logged. */
  url: string;
  connectionTimeoutMillis?: number;
  statementTimeoutMillis?: number;
  maxConnections?: number;
  /** Let the process exit while idle connections remain (tests and one-shot commands). */
  allowExitOnIdle?: boolean;
}

export class PgAuditTrail implements AuditTrail {
  private readonly pool: pg.Pool;

  constructor(options: PgAuditTrailOptions, onIdleError: (error: Error) => void = () => undefined) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      connectionTimeoutMillis: options.connectionTimeoutMillis ?? 5_000,
      // Bounds the wait for the append lock too: a stuck writer cannot stall every request forever.
      statement_timeout: options.statementTimeoutMillis ?? 10_000,
      max: options.maxConnections ?? 4,
      application_name: 'bulkhead-api-audit-trail',
      allowExitOnIdle: options.allowExitOnIdle ?? false,
    });
    // An idle client's error (the server restarted) is emitted on the pool; unheard, it would crash the process.
    this.pool.on('error', onIdleError);
  }

  ensureSchema(): Promise<SchemaChange> {
    return ensureAuditTrailSchema(this.pool);
  }

  /** For `bulkhead audit-trail init --grant`. */
  get connectionPool(): pg.Pool {
    return this.pool;
  }

  async append(entry: AuditEntry, alongside: AlongsideRecord[] = []): Promise<AuditRecord> {
    const client = await this.pool.connect();
    let failed = false;
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock($1::regclass::oid::bigint)', [auditTrailTable]);
      const head = await client.query<{ id: string; hash: string }>(`SELECT id, hash FROM ${table} ORDER BY id DESC LIMIT 1`);
      const previous = head.rows[0] ? { id: Number(head.rows[0].id), hash: head.rows[0].hash } : undefined;
      const record = chainRecord(previous, entry);
      const values = rowValues(record);
      await client.query(`INSERT INTO ${table} (${columns}) VALUES (${values.map((_, index) => `$${index + 1}`).join(', ')})`, values);
      for (const write of alongside) await write(client, record.id);
      await client.query('COMMIT');
      return record;
    } catch (error) {
      failed = true;
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      // A client that failed mid-transaction is discarded rather than handed to the next caller.
      client.release(failed);
    }
  }

  /**
   * Every record in id order, a page at a time (keyset pagination: constant memory for any length).
   * Reads a table not yet upgraded to format 2 too, so `verify` checks a trail before its upgrade.
   */
  async *records(pageSize = 1_000): AsyncGenerator<AuditRecord> {
    const selected = (await schemaState(this.pool)) === 'outdated' ? formatOneColumns : columns;
    let after = 0;
    for (;;) {
      const page = await this.pool.query<RecordRow>(`SELECT ${selected} FROM ${table} WHERE id > $1 ORDER BY id LIMIT $2`, [
        after,
        pageSize,
      ]);
      for (const row of page.rows) yield recordFromRow(row);
      const last = page.rows.at(-1);
      if (!last || page.rows.length < pageSize) return;
      after = Number(last.id);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}
