/**
 * Makes a server's pool exist as it should: the owner role, the pool database (closed to PUBLIC)
 * and, inside it, schema public closed and the shared schema and table under the row-level security
 * template. CREATE DATABASE cannot share a transaction, so the pool database's marker comes last:
 * a pool without it is one whose creation was interrupted, and the next call finishes it. The setup
 * inside the pool is one transaction, run again whenever any part of it does not hold.
 */
import { crashPoint } from '../../../runtime/crash-points.js';
import type { ProviderContext } from '../ensure-role.js';
import { DatabaseOperationFailed, DatabaseOwnedByAnotherTenant, DatabaseProviderError } from '../errors.js';
import { readPoolDatabase, readPoolOwnerExists, readPoolSetup, type PoolDatabaseState, type PoolSetupState } from './catalog.js';
import { poolDatabaseName, poolOwnerRole } from './names.js';
import { createPoolDatabase, createPoolOwner, finishPoolDatabase, poolMarker, setUpPool } from './statements.js';

export const poolCrashPoints = {
  afterCreatePoolDatabase: 'pool.after-create-database',
  afterSetUpPool: 'pool.after-set-up',
} as const;

const duplicateObject = '42710';
const duplicateDatabase = '42P04';

export interface PoolOutcome {
  created: boolean;
  repaired: string[];
}

export async function ensurePool(context: ProviderContext): Promise<PoolOutcome> {
  await ensurePoolOwner(context);
  const { database, created } = await ensurePoolDatabase(context);
  const drifted = driftedParts(await readPoolSetup(context.connection));
  if (drifted.length > 0) {
    await context.connection.transactionInDatabase(poolDatabaseName, 'setting up the shared tables of the pool', setUpPool());
    crashPoint(poolCrashPoints.afterSetUpPool);
  }
  const finished = database.comment === poolMarker;
  if (!finished || database.publicHasPrivileges) {
    await context.connection.transaction('closing the pool database to PUBLIC and marking it', finishPoolDatabase());
  }
  if (created) {
    context.logger.info('Created the pool database', { database: poolDatabaseName });
    return { created, repaired: [] };
  }
  const repaired = [...drifted, ...(finished && database.publicHasPrivileges ? ['pool database privileges'] : [])];
  if (repaired.length > 0) context.logger.info('Restored the pool', { database: poolDatabaseName, repaired });
  return { created, repaired };
}

/** The pool database as found or just created; refuses a database of its name that is not Bulkhead's pool. */
async function ensurePoolDatabase(context: ProviderContext): Promise<{ database: PoolDatabaseState; created: boolean }> {
  let database = await readPoolDatabase(context.connection);
  const created = database === undefined && (await createPoolDatabaseUnlessRaced(context));
  database ??= await readPoolDatabase(context.connection);
  if (database === undefined) {
    throw new DatabaseOperationFailed(`the pool database ${poolDatabaseName} vanished right after it was created; will retry`);
  }
  // Unmarked but owned by the pool owner: a creation that was interrupted before its marker.
  if (database.comment !== poolMarker && database.owner !== poolOwnerRole) {
    throw new DatabaseOwnedByAnotherTenant(
      `the PostgreSQL database ${JSON.stringify(poolDatabaseName)} exists but is not Bulkhead's pool (owner ${database.owner}, ` +
        'no pool marker); Bulkhead will not put tenants in it. Rename or drop it to let pooled tenants have schemas.',
    );
  }
  return { database, created };
}

async function ensurePoolOwner(context: ProviderContext): Promise<void> {
  if (await readPoolOwnerExists(context.connection)) return;
  try {
    await context.connection.transaction('creating the pool owner role', createPoolOwner());
  } catch (error) {
    if (error instanceof DatabaseProviderError && error.sqlState === duplicateObject) return;
    throw error;
  }
}

async function createPoolDatabaseUnlessRaced(context: ProviderContext): Promise<boolean> {
  try {
    await context.connection.query('creating the pool database', createPoolDatabase());
  } catch (error) {
    if (error instanceof DatabaseProviderError && error.sqlState === duplicateDatabase) return false;
    throw error;
  }
  crashPoint(poolCrashPoints.afterCreatePoolDatabase);
  return true;
}

const partNames: Record<keyof PoolSetupState, string> = {
  publicSchemaClosed: 'schema public privileges',
  sharedSchemaOwned: 'shared schema owner',
  sharedTableOwned: 'shared table owner',
  rowSecurityForced: 'row-level security',
  policyAsTemplate: 'row-level security policy',
  sharedTableClosed: 'shared table privileges',
};

/** The parts of the pool's setup that do not hold, in words. */
export function driftedParts(state: PoolSetupState): string[] {
  return (Object.keys(partNames) as (keyof PoolSetupState)[]).filter((part) => !state[part]).map((part) => partNames[part]);
}
