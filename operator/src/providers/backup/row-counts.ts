/**
 * Rows per table of a tenant's database, the figure a restore is verified by. At backup time they
 * are counted inside a REPEATABLE READ transaction whose snapshot pg_dump then reads
 * (`pg_dump --snapshot`), so the counts are exactly those of the archive, however busy the tenant.
 * The session runs as the admin with search_path pinned to pg_catalog and only names it quoted, so
 * nothing the tenant created (a function, an operator) runs in it.
 */
import pg from 'pg';
import { quoteIdentifier } from '../database/sql-quoting.js';
import type { DatabaseServer } from '../database/types.js';
import type { TableRowCount } from './manifest.js';

const userTables = `
  SELECT n.nspname AS schema, c.relname AS table
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'
  ORDER BY 1, 2`;

export interface CountOptions {
  server: DatabaseServer;
  database: string;
  timeoutMillis: number;
}

async function connect(options: CountOptions): Promise<pg.Client> {
  const { server } = options;
  const client = new pg.Client({
    host: server.host,
    port: server.port,
    user: server.adminUser,
    password: server.adminPassword,
    database: options.database,
    connectionTimeoutMillis: 10_000,
    statement_timeout: options.timeoutMillis,
    application_name: 'bulkhead-operator',
  });
  client.on('error', () => undefined);
  await client.connect();
  await client.query("SELECT pg_catalog.set_config('search_path', 'pg_catalog', false)");
  return client;
}

async function countTables(client: pg.Client): Promise<TableRowCount[]> {
  const tables = (await client.query<{ schema: string; table: string }>(userTables)).rows;
  const counts: TableRowCount[] = [];
  for (const { schema, table } of tables) {
    const name = `${quoteIdentifier(schema, 'a schema name')}.${quoteIdentifier(table, 'a table name')}`;
    const [row] = (await client.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${name}`)).rows;
    counts.push({ schema, table, rows: Number(row?.rows ?? 0) });
  }
  return counts;
}

/**
 * Opens a REPEATABLE READ, READ ONLY transaction, exports its snapshot and hands the session and
 * the snapshot to `use` while it is held; the transaction ends (nothing to commit) when `use` settles.
 */
export async function withSnapshotSession<T>(options: CountOptions, use: (client: pg.Client, snapshot: string) => Promise<T>): Promise<T> {
  const client = await connect(options);
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const [exported] = (await client.query<{ snapshot: string }>('SELECT pg_catalog.pg_export_snapshot() AS snapshot')).rows;
    const result = await use(client, exported?.snapshot ?? '');
    await client.query('COMMIT');
    return result;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Exports a snapshot, counts the rows in it, and hands both to `dump` while the snapshot is held;
 * the transaction ends (read only, nothing to commit) when `dump` settles.
 */
export async function withCountedSnapshot<T>(
  options: CountOptions,
  dump: (snapshot: string, counts: TableRowCount[]) => Promise<T>,
): Promise<T> {
  return withSnapshotSession(options, async (client, snapshot) => dump(snapshot, await countTables(client)));
}

/** A session as the admin in `options.database`, search_path pinned to pg_catalog, for `use` alone. */
export async function withAdminSession<T>(options: CountOptions, use: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await connect(options);
  try {
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The rows per table now, for verifying a restore. */
export async function countRows(options: CountOptions): Promise<TableRowCount[]> {
  const client = await connect(options);
  try {
    return await countTables(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
