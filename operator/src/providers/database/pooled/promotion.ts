/**
 * Promotion of a pooled tenant's data to a database of its own (docs/decisions/0048), as separate
 * steps the tenant controller runs one per reconcile and records in status: stop the tenant's writes
 * in the pool, copy its schema and shared rows into its own database (which the dedicated tier's
 * ensure made), verify row counts and checksums per table, and, once the tenant is cut over, drop
 * what it had in the pool. Each step may run again after a crash at any point: a copy starts by
 * clearing what an earlier one left, and the drop finds nothing the second time.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crashPoint } from '../../../runtime/crash-points.js';
import type { LeadershipFence } from '../../../runtime/fence.js';
import { readDatabase } from '../catalog.js';
import type { ProviderContext } from '../ensure-role.js';
import { DatabaseOperationFailed } from '../errors.js';
import { databaseIsTenants, parseOwnershipComment } from '../ownership.js';
import { runPostgresTool } from '../snapshot.js';
import type { TenantDatabaseSpec } from '../types.js';
import { readPoolDatabase, readTenantSchema } from './catalog.js';
import { poolDatabaseName } from './names.js';
import {
  clearCopy,
  copySharedRows,
  dropPromotedFromPool,
  resetPoolSearchPath,
  restoreTarget,
  revokePoolConnect,
  sharedRowsAsJson,
  terminatePoolSessions,
} from './promotion-statements.js';
import type { PooledTenantSpec } from './types.js';

export const promotionCrashPoints = {
  afterStopWrites: 'promotion.after-stop-writes',
  afterClearCopy: 'promotion.after-clear-copy',
  afterRestore: 'promotion.after-restore',
  afterCopy: 'promotion.after-copy',
  afterDropFromPool: 'promotion.after-drop-from-pool',
} as const;

/** One tenant on its way out of the pool: where it is (pooled) and where it goes (dedicated); the role is the same. */
export interface PromotionSpec {
  pooled: PooledTenantSpec;
  dedicated: TenantDatabaseSpec;
}

export interface PromotionContext extends ProviderContext {
  /** Where the dump lives between pg_dump and pg_restore (a directory of its own, 0700, removed after). */
  dumpDir: string | undefined;
  timeoutMillis: number;
}

/** Takes CONNECT on the pool from the tenant's role, then ends its sessions there; returns how many were ended. */
export async function stopPoolWrites(context: ProviderContext, spec: PromotionSpec): Promise<number> {
  await context.connection.query("taking the pooled role's CONNECT on the pool", revokePoolConnect(spec.pooled));
  crashPoint(promotionCrashPoints.afterStopWrites);
  const [row] = await context.connection.query<{ ended: string }>("ending the pooled role's sessions in the pool", terminatePoolSessions, [
    spec.pooled.roleName,
    poolDatabaseName,
  ]);
  const ended = Number(row?.ended ?? 0);
  context.logger.info("Stopped the tenant's writes in the pool", { tenant: spec.pooled.tenant, endedSessions: ended });
  return ended;
}

/**
 * Copies the tenant's schema (pg_dump --schema, pg_restore in one transaction as its role, so every
 * object is its own) and its rows of the shared tables into its own database, after clearing what
 * an earlier copy left there. Refuses when the schema in the pool is gone or not this tenant's, or
 * its own database is not: a copy never empties a database from nothing.
 */
export async function copyToOwnDatabase(context: PromotionContext & { fence: LeadershipFence }, spec: PromotionSpec): Promise<void> {
  await assertCopyable(context, spec);
  const { connection } = context;
  const target = spec.dedicated.databaseName;
  await connection.destroyInDatabase(context.fence, target, 'clearing an earlier copy in the tenant database', clearCopy(spec.pooled));
  crashPoint(promotionCrashPoints.afterClearCopy);
  await dumpAndRestore(context, spec);
  crashPoint(promotionCrashPoints.afterRestore);
  const [shared] = await connection.queryInDatabase<{ rows: string }>(
    poolDatabaseName,
    "reading the tenant's shared rows",
    sharedRowsAsJson,
    [spec.pooled.roleName],
  );
  await connection.transactionInDatabase(target, "copying the tenant's shared rows", copySharedRows(spec.pooled, shared?.rows ?? '[]'));
  crashPoint(promotionCrashPoints.afterCopy);
  context.logger.info("Copied the tenant's schema and shared rows to its own database", { tenant: spec.pooled.tenant, database: target });
}

async function assertCopyable(context: ProviderContext, spec: PromotionSpec): Promise<void> {
  const schema = await readTenantSchema(context.connection, spec.pooled);
  if (parseOwnershipComment(schema?.comment)?.tenantUid !== spec.pooled.tenantUid) {
    throw new DatabaseOperationFailed(
      `the schema ${spec.pooled.schemaName} in the pool is ${schema ? "another tenant's" : 'gone'}: there is nothing of this tenant's to copy, so nothing was copied`,
    );
  }
  const database = await readDatabase(context.connection, spec.dedicated.databaseName);
  if (!database || !databaseIsTenants(database, spec.dedicated, true) || parseOwnershipComment(database.comment) === undefined) {
    throw new DatabaseOperationFailed(
      `the database ${spec.dedicated.databaseName} is not this tenant's finished database yet, so nothing was copied into it`,
    );
  }
}

async function dumpAndRestore(context: PromotionContext, spec: PromotionSpec): Promise<void> {
  const parent = context.dumpDir ?? tmpdir();
  await mkdir(parent, { recursive: true, mode: 0o700 });
  const dir = await mkdtemp(join(parent, 'promotion-'));
  const file = join(dir, 'schema.dump');
  const options = {
    server: context.connection.server,
    timeoutMillis: context.timeoutMillis,
    signal: context.connection.abortSignal,
    consequence: 'nothing was cut over',
  };
  try {
    await context.connection.withSessionSlot(() =>
      runPostgresTool(
        'pg_dump',
        ['--format=custom', '--no-password', '--no-owner', '--no-acl', `--schema="${spec.pooled.schemaName}"`, `--file=${file}`],
        spec.pooled,
        options,
      ),
    );
    await context.connection.withSessionSlot(() =>
      runPostgresTool(
        'pg_restore',
        [
          '--single-transaction',
          '--no-password',
          '--no-owner',
          '--no-acl',
          `--role=${spec.dedicated.roleName}`,
          `--dbname=${restoreTarget(spec.dedicated)}`,
          file,
        ],
        spec.dedicated,
        options,
      ),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Drops the tenant's schema, shared rows and grants from the pool behind `fence`, then its pool
 * search_path. Call only once its own database is verified and it is cut over. A schema of that
 * name that is not this tenant's is left alone.
 */
export async function dropFromPool(context: ProviderContext & { fence: LeadershipFence }, spec: PromotionSpec): Promise<void> {
  const { connection } = context;
  if ((await readPoolDatabase(connection)) === undefined) return;
  const schema = await readTenantSchema(connection, spec.pooled);
  if (schema !== undefined && parseOwnershipComment(schema.comment)?.tenantUid !== spec.pooled.tenantUid) {
    throw new DatabaseOperationFailed(`the schema ${spec.pooled.schemaName} in the pool is another tenant's; nothing was dropped`);
  }
  await connection.query("ending the pooled role's sessions in the pool", terminatePoolSessions, [spec.pooled.roleName, poolDatabaseName]);
  await connection.destroyInDatabase(
    context.fence,
    poolDatabaseName,
    `dropping promoted tenant ${spec.pooled.tenant}'s schema and rows from the pool`,
    dropPromotedFromPool(spec.pooled),
  );
  crashPoint(promotionCrashPoints.afterDropFromPool);
  await connection.query("resetting the promoted role's search_path in the pool", resetPoolSearchPath(spec.pooled));
  await connection.query("taking the promoted role's CONNECT on the pool", revokePoolConnect(spec.pooled));
  context.logger.info("Dropped the promoted tenant's schema and shared rows from the pool", {
    tenant: spec.pooled.tenant,
    schema: spec.pooled.schemaName,
  });
}
