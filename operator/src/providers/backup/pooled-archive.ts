/**
 * The archive of a pooled tenant's backup (docs/decisions/0055): a tar of two files, read in one
 * exported snapshot of the pool, so both are of the same instant:
 *
 * - `schema.dump`: `pg_dump --format=custom --schema=<its schema>`, everything the app made there;
 * - `shared-rows.json`: its rows of each shared table, read by its role's name (the admin reads,
 *   whom row-level security does not hold, so the WHERE is what keeps other tenants' rows out).
 *
 * A tar, so the archive stays one file sealed, hashed, exported and opened like a dedicated
 * tenant's (envelope.ts, export-manifest.ts): the customer untars what `bulkhead export open` gives.
 * The restore makes the tenant's schema and shared rows exactly the archive's in one transaction.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  countPooledTenant,
  dumpTenantSchema,
  pooledRestoreScript,
  readSharedRows,
  runRestoreScript,
  schemaRestoreSql,
  type SharedRows,
} from '../database/pooled/backup.js';
import type { PooledTenantSpec } from '../database/pooled/types.js';
import type { DatabaseServer } from '../database/types.js';
import { BackupFailed, BackupNotUsable } from './errors.js';
import type { TableRowCount } from './manifest.js';
import { withAdminSession, withSnapshotSession } from './row-counts.js';

const runFile = promisify(execFile);

export const pooledArchiveEntries = { schema: 'schema.dump', sharedRows: 'shared-rows.json' } as const;

interface SharedRowsFile {
  formatVersion: 1;
  role: string;
  tables: SharedRows[];
}

export interface PooledArchiveContext {
  server: DatabaseServer;
  timeoutMillis: number;
}

async function tar(args: string[], what: string): Promise<string> {
  try {
    const { stdout } = await runFile('tar', args, { encoding: 'utf8', maxBuffer: 1024 * 1024 });
    return stdout;
  } catch (error) {
    throw new BackupFailed(`${what}: tar failed: ${(error as { stderr?: string }).stderr?.trim() ?? String(error)}`, { cause: error });
  }
}

/** Dumps the tenant's schema and shared rows into `<work>/archive.tar`; returns it and the row counts of that snapshot. */
export async function dumpPooledArchive(
  context: PooledArchiveContext,
  spec: PooledTenantSpec,
  work: string,
): Promise<{ file: string; tables: TableRowCount[] }> {
  const { server, timeoutMillis } = context;
  const schemaFile = join(work, pooledArchiveEntries.schema);
  const sharedFile = join(work, pooledArchiveEntries.sharedRows);
  const session = { server, database: spec.databaseName, timeoutMillis };
  const tables = await withSnapshotSession(session, async (client, exportedSnapshot) => {
    const counts = await countPooledTenant(client, spec);
    const shared: SharedRowsFile = { formatVersion: 1, role: spec.roleName, tables: await readSharedRows(client, spec) };
    await writeFile(sharedFile, JSON.stringify(shared), { mode: 0o600, flag: 'wx' });
    const options = { server, timeoutMillis, consequence: 'no backup was stored' };
    await dumpTenantSchema(spec, { file: schemaFile, exportedSnapshot, options });
    return counts;
  });
  const file = join(work, 'archive.tar');
  await tar(['-cf', file, '-C', work, pooledArchiveEntries.schema, pooledArchiveEntries.sharedRows], 'packing the pooled backup');
  await rm(schemaFile, { force: true });
  await rm(sharedFile, { force: true });
  return { file, tables };
}

/** Opens the tar (exactly the two entries, nothing else) into `work`; returns the shared rows it holds. */
async function unpack(plainFile: string, work: string): Promise<SharedRows[]> {
  const entries = (await tar(['-tf', plainFile], 'listing the pooled backup')).split('\n').filter(Boolean).sort();
  const expected = [pooledArchiveEntries.schema, pooledArchiveEntries.sharedRows].sort();
  if (entries.join(',') !== expected.join(',')) {
    throw new BackupNotUsable(`the pooled backup's archive holds ${entries.join(', ')}, not ${expected.join(', ')}`);
  }
  await tar(['-xf', plainFile, '-C', work, '--no-same-owner', '--no-same-permissions'], 'unpacking the pooled backup');
  const shared = JSON.parse(await readFile(join(work, pooledArchiveEntries.sharedRows), 'utf8')) as SharedRowsFile;
  if (shared.formatVersion !== 1 || !Array.isArray(shared.tables)) {
    throw new BackupNotUsable(`the pooled backup's ${pooledArchiveEntries.sharedRows} is not format 1`);
  }
  return shared.tables;
}

/**
 * Restores the archive into the tenant's schema and shared rows in one transaction: a failure at
 * any point, or a kill, leaves the schema and rows as they were.
 */
export async function restorePooledArchive(
  context: PooledArchiveContext,
  plainFile: string,
  target: PooledTenantSpec,
  work: string,
): Promise<void> {
  const shared = await unpack(plainFile, work);
  const options = {
    server: context.server,
    timeoutMillis: context.timeoutMillis,
    consequence: 'the schema and shared rows are as they were',
  };
  const schemaSql = await schemaRestoreSql(target, work, options);
  const script = join(work, 'restore.sql');
  await writeFile(script, pooledRestoreScript(target, schemaSql, shared), { mode: 0o600, flag: 'wx' });
  await runRestoreScript(target, script, options);
}

/** The tenant's rows per table now (its schema's tables, then its shared rows), for verifying a restore. */
export async function countPooledRows(context: PooledArchiveContext, target: PooledTenantSpec): Promise<TableRowCount[]> {
  const session = { server: context.server, database: target.databaseName, timeoutMillis: context.timeoutMillis };
  return withAdminSession(session, (client) => countPooledTenant(client, target));
}
