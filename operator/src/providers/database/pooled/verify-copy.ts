/**
 * Verification of a promotion's copy (docs/decisions/0048): the same tables on both sides, and per
 * table the same row count and the same checksum over every row's text. The tenant's rows of each
 * shared table are compared with that table in its own database, which must hold no other row.
 * Reads only; the tenant's writes are stopped, so the pool side cannot move meanwhile.
 */
import type { AdminConnection } from '../connection.js';
import { poolDatabaseName } from './names.js';
import { sharedTables, tablesOfSchema, tally } from './promotion-statements.js';
import type { PromotionSpec } from './promotion.js';

export interface TableTally {
  /** schema.table */
  table: string;
  rows: number;
  checksum: string;
}

export interface Verification {
  /** The pool side, table by table: what the copy had to match. */
  tables: TableTally[];
  /** What did not match, in words naming the table; empty when the copy is verified. */
  mismatches: string[];
}

export async function verifyCopy(connection: AdminConnection, spec: PromotionSpec): Promise<Verification> {
  const schema = spec.pooled.schemaName;
  const own = spec.dedicated.databaseName;
  const [poolTables, ownTables] = [await tableNames(connection, poolDatabaseName, schema), await tableNames(connection, own, schema)];
  const mismatches = tableSetMismatches(poolTables, ownTables, schema);
  const tables: TableTally[] = [];
  for (const table of poolTables.filter((name) => ownTables.includes(name))) {
    const expected = await tallyIn(connection, { database: poolDatabaseName, schema, table });
    mismatches.push(...compare(expected, await tallyIn(connection, { database: own, schema, table })));
    tables.push(expected);
  }
  for (const shared of sharedTables) {
    const expected = await tallyIn(connection, { database: poolDatabaseName, ...shared, tenantRole: spec.pooled.roleName });
    mismatches.push(...compare(expected, await tallyIn(connection, { database: own, ...shared })));
    tables.push(expected);
  }
  return { tables, mismatches };
}

/** The tables one side has and the other lacks, in words. */
export function tableSetMismatches(poolTables: readonly string[], ownTables: readonly string[], schema: string): string[] {
  return [
    ...poolTables.filter((name) => !ownTables.includes(name)).map((name) => `${schema}.${name} is missing from the copy`),
    ...ownTables.filter((name) => !poolTables.includes(name)).map((name) => `${schema}.${name} is in the copy but not in the pool`),
  ];
}

/** What differs between a table in the pool and its copy, in words naming the table. */
export function compare(expected: TableTally, copied: TableTally): string[] {
  if (expected.rows !== copied.rows) return [`${expected.table}: ${expected.rows} rows in the pool, ${copied.rows} in the copy`];
  if (expected.checksum !== copied.checksum)
    return [`${expected.table}: the same ${expected.rows} rows in number, but their checksums differ`];
  return [];
}

async function tableNames(connection: AdminConnection, database: string, schema: string): Promise<string[]> {
  const rows = await connection.queryInDatabase<{ name: string }>(database, `listing the tables of ${schema}`, tablesOfSchema, [schema]);
  return rows.map((row) => row.name);
}

interface TableInDatabase {
  database: string;
  schema: string;
  table: string;
  /** Only this role's rows: a shared table in the pool. */
  tenantRole?: string;
}

async function tallyIn(connection: AdminConnection, { database, schema, table, tenantRole }: TableInDatabase): Promise<TableTally> {
  const [row] = await connection.queryInDatabase<{ rows: string; checksum: string }>(
    database,
    `counting the rows of ${schema}.${table}`,
    tally(schema, table, tenantRole !== undefined),
    tenantRole === undefined ? [] : [tenantRole],
  );
  return { table: `${schema}.${table}`, rows: Number(row?.rows ?? 0), checksum: row?.checksum ?? '' };
}
