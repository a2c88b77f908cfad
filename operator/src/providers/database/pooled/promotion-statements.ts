/**
 * The SQL of promotion (docs/decisions/0048): stopping a pooled tenant's writes in the pool,
 * clearing and filling the copy in its own database, the per-table tallies that verify it, and
 * what is dropped from the pool once the tenant is cut over. Pure, so promotion.test.ts reads them.
 */
import { DatabaseSpecInvalid } from '../errors.js';
import { quoteIdentifier, quoteLiteral } from '../sql-quoting.js';
import { DestructiveSql } from '../statements.js';
import type { TenantDatabaseSpec } from '../types.js';
import { poolDatabaseName, sharedSchemaName, sharedTableName } from './names.js';
import { sharedTable, sharedTableColumns } from './statements.js';
import type { PooledTenantSpec } from './types.js';

const pool = quoteIdentifier(poolDatabaseName, 'the pool database name');
const sharedSchema = quoteIdentifier(sharedSchemaName, 'the shared schema name');

/**
 * Run in the admin database: the role may no longer CONNECT to the pool (it never held TEMP there).
 * Its sessions still open are ended by terminatePoolSessions, after this, so none comes back.
 */
export function revokePoolConnect(spec: PooledTenantSpec): string {
  return `REVOKE ALL ON DATABASE ${pool} FROM ${role(spec)}`;
}

/** The role's sessions in the pool alone, by parameters ($1 role, $2 pool); a session in its own database stays. */
export const terminatePoolSessions =
  'SELECT count(pg_terminate_backend(pid)) AS ended FROM pg_stat_activity WHERE usename = $1 AND datname = $2 AND pid <> pg_backend_pid()';

/** Run in the tenant's own database before each copy: whatever an interrupted copy left there goes. */
export function clearCopy(spec: PooledTenantSpec): DestructiveSql[] {
  return [
    new DestructiveSql(`DROP SCHEMA IF EXISTS ${schema(spec)} CASCADE`),
    new DestructiveSql(`DROP SCHEMA IF EXISTS ${sharedSchema} CASCADE`),
  ];
}

/**
 * Run in the tenant's own database, in one transaction, after pg_restore: the shared tables as the
 * tenant's own (same name and columns, owned by its role, no row-level security: nobody else's rows
 * are there), filled with its rows read from the pool, and the pool's ownership marker taken off the
 * restored schema (the database carries the tenant's marker).
 */
export function copySharedRows(spec: PooledTenantSpec, rowsAsJson: string): string[] {
  return [
    `CREATE SCHEMA ${sharedSchema} AUTHORIZATION ${role(spec)}`,
    `CREATE TABLE ${sharedTable} ${sharedTableColumns}`,
    `ALTER TABLE ${sharedTable} OWNER TO ${role(spec)}`,
    `INSERT INTO ${sharedTable} SELECT * FROM json_populate_recordset(NULL::${sharedTable}, ${quoteLiteral(rowsAsJson)}::json)`,
    `COMMENT ON SCHEMA ${schema(spec)} IS NULL`,
  ];
}

/** The tenant's rows of a shared table as JSON, read in the pool ($1 the role). */
export const sharedRowsAsJson = `SELECT coalesce(json_agg(t), '[]')::text AS rows FROM ${sharedTable} t WHERE t.tenant = $1`;

/** The ordinary tables of a schema ($1), partitions included and their parents not, so no row counts twice. */
export const tablesOfSchema = `
  SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
   WHERE n.nspname = $1 AND c.relkind = 'r' ORDER BY c.relname COLLATE "C"`;

/**
 * A table's row count and a checksum over every row's text, in an order that does not depend on
 * physical layout. Both sides run on the same server, so a row's text is the same on both when
 * its values are. `tenantOnly` keeps one tenant's rows ($1) of a shared table.
 */
export function tally(schemaName: string, tableName: string, tenantOnly = false): string {
  const table = `${quoteIdentifier(schemaName, 'the schema name')}.${quoteIdentifier(tableName, 'the table name')}`;
  const where = tenantOnly ? ' WHERE t.tenant = $1' : '';
  return `SELECT count(*)::text AS rows, coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")), '') AS checksum FROM ${table} t${where}`;
}

/** The shared tables a tenant has rows in: (schema, table) pairs. */
export const sharedTables: readonly { schema: string; table: string }[] = [{ schema: sharedSchemaName, table: sharedTableName }];

/**
 * Run in the pool database, in one transaction, behind the fence, once the tenant reads and writes
 * its own database: its rows of the shared tables, its schema with everything in it, and its grants
 * on the shared schema and tables.
 */
export function dropPromotedFromPool(spec: PooledTenantSpec): DestructiveSql[] {
  return [
    new DestructiveSql(`DELETE FROM ${sharedTable} WHERE tenant = ${quoteLiteral(spec.roleName)}`),
    new DestructiveSql(`DROP SCHEMA IF EXISTS ${schema(spec)} CASCADE`),
    new DestructiveSql(`REVOKE ALL ON TABLE ${sharedTable} FROM ${role(spec)}`),
    new DestructiveSql(`REVOKE ALL ON SCHEMA ${sharedSchema} FROM ${role(spec)}`),
  ];
}

/** Run in the admin database after the drop: the role's pool-only search_path goes; its CONNECT went when writes stopped. */
export function resetPoolSearchPath(spec: PooledTenantSpec): string {
  return `ALTER ROLE ${role(spec)} IN DATABASE ${pool} RESET search_path`;
}

/**
 * pg_restore takes the database as --dbname, which it would read as a connection string if it held
 * `=` or began with a URI scheme: a tenant database name never does (names.ts), and this says so.
 */
export function restoreTarget(spec: TenantDatabaseSpec): string {
  if (spec.databaseName.includes('=') || /^postgres(ql)?:/i.test(spec.databaseName)) {
    throw new DatabaseSpecInvalid(`the database name ${JSON.stringify(spec.databaseName)} would be read as a connection string`);
  }
  return spec.databaseName;
}

function role(spec: PooledTenantSpec): string {
  return quoteIdentifier(spec.roleName, 'the role name');
}

function schema(spec: PooledTenantSpec): string {
  return quoteIdentifier(spec.schemaName, 'the schema name');
}
