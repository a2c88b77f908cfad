/**
 * Brings the tenant's database to its desired state: owned by the tenant's role, closed to PUBLIC,
 * and marked with the tenant's UID. CREATE DATABASE cannot run in a transaction, so the marker
 * comes last and an unmarked database owned by the tenant's role is one whose creation was
 * interrupted: the next call finishes it.
 */
import { crashPoint } from '../../runtime/crash-points.js';
import { readDatabase, type DatabaseState } from './catalog.js';
import type { ProviderContext } from './ensure-role.js';
import { DatabaseOperationFailed, DatabaseProviderError } from './errors.js';
import { assertDatabaseIsTenants, parseOwnershipComment } from './ownership.js';
import { alterDatabaseOwner, claimSchemaPublic, commentOnDatabase, createDatabase, revokePublicOnDatabase } from './statements.js';
import type { TenantDatabaseSpec } from './types.js';

export const databaseCrashPoints = {
  afterCreateDatabase: 'database.after-create-database',
  afterRevokePublic: 'database.after-revoke-public',
  afterCommentDatabase: 'database.after-comment-database',
} as const;

const duplicateDatabase = '42P04';

export interface DatabaseOutcome {
  created: boolean;
  repaired: string[];
}

/**
 * Call after ensureRole, so that the tenant's role exists and is the tenant's. `observed` is the
 * database as read before (already checked to be the tenant's), or undefined.
 */
export async function ensureDatabase(
  context: ProviderContext,
  spec: TenantDatabaseSpec,
  observed: DatabaseState | undefined,
): Promise<DatabaseOutcome> {
  let created = false;
  if (observed === undefined) {
    created = await createDatabaseUnlessRaced(context, spec);
    observed = await readDatabase(context.connection, spec.databaseName);
    if (observed === undefined) {
      throw new DatabaseOperationFailed(
        `the database ${JSON.stringify(spec.databaseName)} vanished right after it was created; will retry`,
      );
    }
    // Another CREATE may have won the race: check whose database it is (the role is the tenant's by now).
    assertDatabaseIsTenants(observed, spec, true);
  }
  const repaired = await repairOwnerAndPrivileges(context, spec, observed);
  if (parseOwnershipComment(observed.comment) === undefined) await finishCreation(context, spec);
  if (created) return { created, repaired: [] };
  if (repaired.length > 0) {
    context.logger.info('Restored database ownership and privileges', { tenant: spec.tenant, database: spec.databaseName, repaired });
  }
  return { created, repaired };
}

async function createDatabaseUnlessRaced(context: ProviderContext, spec: TenantDatabaseSpec): Promise<boolean> {
  try {
    await context.connection.query('creating the tenant database', createDatabase(spec));
  } catch (error) {
    if (error instanceof DatabaseProviderError && error.sqlState === duplicateDatabase) return false;
    throw error;
  }
  crashPoint(databaseCrashPoints.afterCreateDatabase);
  context.logger.info('Created database', { tenant: spec.tenant, database: spec.databaseName });
  return true;
}

async function repairOwnerAndPrivileges(context: ProviderContext, spec: TenantDatabaseSpec, observed: DatabaseState): Promise<string[]> {
  const repaired: string[] = [];
  if (observed.owner !== spec.roleName) {
    await context.connection.query('giving the tenant database back to its role', alterDatabaseOwner(spec));
    repaired.push('database owner');
  }
  if (observed.publicHasPrivileges) {
    await context.connection.query('revoking PUBLIC access to the tenant database', revokePublicOnDatabase(spec));
    crashPoint(databaseCrashPoints.afterRevokePublic);
    repaired.push('database privileges');
  }
  return repaired;
}

/** The steps after CREATE DATABASE that run once; the marker goes last, so it means "finished". */
async function finishCreation(context: ProviderContext, spec: TenantDatabaseSpec): Promise<void> {
  await context.connection.inDatabase(
    spec.databaseName,
    'giving schema public of the tenant database to its role',
    claimSchemaPublic(spec),
  );
  await context.connection.query('marking the tenant database with its tenant', commentOnDatabase(spec));
  crashPoint(databaseCrashPoints.afterCommentDatabase);
}
