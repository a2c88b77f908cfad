/**
 * A pooled tenant's part of the pool as its backups hold it (docs/decisions/0055): its schema, by
 * `pg_dump --schema` as the promotion's copy takes it, and its rows of the shared tables, read by
 * role name, both in one exported snapshot; and the restore of both in ONE transaction (psql
 * --single-transaction): the schema is dropped and made again exactly as ensure makes it (owned by
 * the pool owner, marked with the tenant's UID, granted to its role alone), its objects restored as
 * its role, and its shared rows replaced. No other tenant's rows are read or written: every
 * statement on a shared table names the tenant's role in its WHERE or in each row it inserts.
 */
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type pg from 'pg';
import { DatabaseSnapshotFailed, DatabaseSpecInvalid, scrub } from '../errors.js';
import { adminToolEnv, postgresClientBinDir, runPostgresTool, type ToolOptions } from '../snapshot.js';
import { quoteIdentifier, quoteLiteral } from '../sql-quoting.js';
import { sharedTables } from './promotion-statements.js';
import { createTenantSchema } from './statements.js';
import type { PooledTenantSpec } from './types.js';

const runFile = promisify(execFile);

/** A tenant's rows of one shared table, as JSON objects of the table's columns. */
export interface SharedRows {
  schema: string;
  table: string;
  rows: Record<string, unknown>[];
}

/** One table's row count, as a backup's manifest records it. */
export interface PooledTableCount {
  schema: string;
  table: string;
  rows: number;
}

type Queryable = Pick<pg.ClientBase, 'query'>;

function qualified(schema: string, table: string): string {
  return `${quoteIdentifier(schema, 'a schema name')}.${quoteIdentifier(table, 'a table name')}`;
}

/** The ordinary and partitioned tables of the tenant's schema ($1), as row-counts.ts counts a database's. */
const tablesOfTenantSchema = `
  SELECT n.nspname AS schema, c.relname AS table
  FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p') AND n.nspname = $1
  ORDER BY 2`;

/**
 * Rows per table of the tenant's schema, then its rows of each shared table; run in the pool
 * database by the admin (whom row-level security does not hold), so the shared tables are read
 * with the tenant's role in the WHERE.
 */
export async function countPooledTenant(client: Queryable, spec: PooledTenantSpec): Promise<PooledTableCount[]> {
  const counts: PooledTableCount[] = [];
  const tables = (await client.query<{ schema: string; table: string }>(tablesOfTenantSchema, [spec.schemaName])).rows;
  for (const { schema, table } of tables) {
    const [row] = (await client.query<{ rows: string }>(`SELECT count(*) AS rows FROM ${qualified(schema, table)}`)).rows;
    counts.push({ schema, table, rows: Number(row?.rows ?? 0) });
  }
  for (const { schema, table } of sharedTables) {
    const sql = `SELECT count(*) AS rows FROM ${qualified(schema, table)} WHERE tenant = $1`;
    const [row] = (await client.query<{ rows: string }>(sql, [spec.roleName])).rows;
    counts.push({ schema, table, rows: Number(row?.rows ?? 0) });
  }
  return counts;
}

/** The tenant's rows of every shared table, read by its role's name. */
export async function readSharedRows(client: Queryable, spec: PooledTenantSpec): Promise<SharedRows[]> {
  const found: SharedRows[] = [];
  for (const { schema, table } of sharedTables) {
    const sql = `SELECT coalesce(json_agg(t), '[]')::text AS rows FROM ${qualified(schema, table)} t WHERE t.tenant = $1`;
    const [row] = (await client.query<{ rows: string }>(sql, [spec.roleName])).rows;
    found.push({ schema, table, rows: JSON.parse(row?.rows ?? '[]') as Record<string, unknown>[] });
  }
  return found;
}

/** pg_dump of the tenant's schema alone, in the snapshot a session holds open, without owners or grants (the restore sets both). */
export async function dumpTenantSchema(
  spec: PooledTenantSpec,
  dump: { file: string; exportedSnapshot: string; options: ToolOptions },
): Promise<void> {
  await runPostgresTool(
    'pg_dump',
    [
      '--format=custom',
      '--no-password',
      '--no-owner',
      '--no-acl',
      `--schema="${spec.schemaName.replaceAll('"', '""')}"`,
      `--snapshot=${dump.exportedSnapshot}`,
      `--file=${dump.file}`,
    ],
    spec,
    dump.options,
  );
}

/**
 * The table of contents of a schema dump without the schema itself and its COMMENT (the pool's
 * ownership marker): the restore makes the schema as ensure does, and the tenant's role could
 * neither create it nor comment on it.
 */
export function withoutSchemaEntries(list: string, schemaName: string): string {
  const own = new RegExp(`^\\d+; \\d+ \\d+ (SCHEMA|COMMENT) - (SCHEMA )?${escapeRegExp(schemaName)} `);
  return list
    .split('\n')
    .filter((line) => !own.test(line))
    .join('\n');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Known shared tables only: a backup naming another table is not restored. */
function assertKnownShared(rows: readonly SharedRows[]): void {
  for (const { schema, table } of rows) {
    if (!sharedTables.some((known) => known.schema === schema && known.table === table)) {
      throw new DatabaseSpecInvalid(
        `the backup holds rows of ${schema}.${table}, which is not a shared table of the pool; nothing was restored`,
      );
    }
  }
}

/**
 * The restore script, run by psql in one transaction as the admin: the schema dropped and made
 * again as ensure makes it, the schema's objects restored as the tenant's role from `schemaSql`
 * (pg_restore's script of the dump), then the tenant's rows of each shared table replaced, each
 * inserted row given the tenant's role as its `tenant`, whatever the archive said.
 */
export function pooledRestoreScript(spec: PooledTenantSpec, schemaSql: string, shared: readonly SharedRows[]): string {
  assertKnownShared(shared);
  const role = quoteIdentifier(spec.roleName, 'the role name');
  const lines = [
    `DROP SCHEMA IF EXISTS ${quoteIdentifier(spec.schemaName, 'the schema name')} CASCADE;`,
    ...createTenantSchema(spec).map((statement) => `${statement};`),
    `SET ROLE ${role};`,
    `\\i ${quoteLiteral(schemaSql)}`,
    'RESET ROLE;',
    "SELECT pg_catalog.set_config('search_path', 'pg_catalog', false);",
  ];
  for (const { schema, table, rows } of shared) {
    const target = qualified(schema, table);
    lines.push(
      `DELETE FROM ${target} WHERE tenant = ${quoteLiteral(spec.roleName)};`,
      `INSERT INTO ${target} SELECT (jsonb_populate_record(NULL::${target}, r || jsonb_build_object('tenant', ${quoteLiteral(spec.roleName)}))).* ` +
        `FROM jsonb_array_elements(${quoteLiteral(JSON.stringify(rows))}::jsonb) r;`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** pg_restore's SQL script of the schema dump, without the schema's own entries; reads no database. */
export async function schemaRestoreSql(spec: PooledTenantSpec, dir: string, options: ToolOptions): Promise<string> {
  const dump = join(dir, 'schema.dump');
  const listFile = join(dir, 'schema.list');
  const sqlFile = join(dir, 'schema.sql');
  const list = await runPostgresTool('pg_restore', ['--list', dump], spec, options);
  await writeFile(listFile, withoutSchemaEntries(list, spec.schemaName), { mode: 0o600 });
  await runPostgresTool('pg_restore', ['--no-owner', '--no-acl', `--use-list=${listFile}`, `--file=${sqlFile}`, dump], spec, options);
  return sqlFile;
}

/** Runs the restore script with psql in one transaction, stopping at the first error (which rolls all of it back). */
export async function runRestoreScript(spec: PooledTenantSpec, scriptFile: string, options: ToolOptions): Promise<void> {
  const dir = postgresClientBinDir();
  const env = adminToolEnv(options.server, spec.databaseName);
  try {
    await runFile(
      dir === undefined ? 'psql' : join(dir, 'psql'),
      ['--no-psqlrc', '--quiet', '--single-transaction', '--set=ON_ERROR_STOP=1', `--file=${scriptFile}`],
      { env, timeout: options.timeoutMillis, maxBuffer: 16 * 1024 * 1024, encoding: 'utf8', signal: options.signal },
    );
  } catch (error) {
    const { stderr, message } = error as { stderr?: string; message?: string };
    const detail = scrub((stderr ?? '').trim() || (message ?? String(error)), [options.server.adminPassword]);
    throw new DatabaseSnapshotFailed(
      `restoring schema ${spec.schemaName} of the pool failed, ${options.consequence ?? 'the schema is as it was'}: ${detail}`,
    );
  }
}
