/**
 * What happens to a tenant's database when the tenant is deleted, by its deletion policy: Retain
 * (the role loses LOGIN, data stays), Snapshot (a verified dump, then drop) or Delete (drop).
 * Only objects that are this tenant's are touched; a namesake's (another UID) are left alone, so
 * deleting a tenant that was refused a database never harms the data that blocked it. Every step
 * is idempotent, so a crash part-way is finished by the next call.
 */
import { crashPoint, pausePoint } from '../../runtime/crash-points.js';
import type { LeadershipFence } from '../../runtime/fence.js';
import { readTenantObjects } from './catalog.js';
import type { AdminConnection } from './connection.js';
import type { ProviderContext } from './ensure-role.js';
import { DatabaseSnapshotFailed } from './errors.js';
import { databaseIsTenants, roleIsTenants } from './ownership.js';
import { latestSnapshot, snapshotDatabase } from './snapshot.js';
import { disableLogin, dropDatabase, dropOwnedByRole, dropRole, terminateRoleSessions } from './statements.js';
import type { ObjectOutcome, RetainResult, SnapshotResult, TenantDatabaseSpec } from './types.js';

export const teardownCrashPoints = {
  afterDisableLogin: 'database.after-disable-login',
  afterSnapshot: 'database.after-snapshot',
  afterDropDatabase: 'database.after-drop-database',
} as const;

export const teardownPausePoints = {
  /** After the drop was decided, before the fence is asked: where a frozen leader would wake up. */
  beforeDropDatabase: 'database.before-drop-database',
} as const;

export interface TeardownContext extends ProviderContext {
  snapshot: { dir: string; timeoutMillis: number } | undefined;
}

/** What dropping needs besides: the leadership fence every DROP passes. */
export interface DropContext extends TeardownContext {
  fence: LeadershipFence;
}

/** Which of the tenant's names are held by its own objects (`done` here means "the tenant's, to act on"). */
interface Owned {
  role: ObjectOutcome;
  database: ObjectOutcome;
}

async function ownedObjects(connection: AdminConnection, spec: TenantDatabaseSpec): Promise<Owned> {
  const { role, database } = await readTenantObjects(connection, spec);
  const roleIsOurs = role !== undefined && roleIsTenants(role, spec);
  return {
    role: outcome(role !== undefined, roleIsOurs),
    database: outcome(database !== undefined, database !== undefined && databaseIsTenants(database, spec, roleIsOurs)),
  };
}

function outcome(exists: boolean, ours: boolean): ObjectOutcome {
  if (!exists) return 'absent';
  return ours ? 'done' : 'foreign';
}

export async function retainDatabase(context: TeardownContext, spec: TenantDatabaseSpec): Promise<RetainResult> {
  const owned = await ownedObjects(context.connection, spec);
  if (owned.role === 'done') {
    await context.connection.query('taking LOGIN from the tenant role', disableLogin(spec));
    crashPoint(teardownCrashPoints.afterDisableLogin);
    // NOLOGIN stops new sessions only; the ones already open would keep their access.
    await context.connection.query("ending the tenant role's sessions", terminateRoleSessions, [spec.roleName]);
    context.logger.info('Retained database; its role can no longer log in', { tenant: spec.tenant, database: spec.databaseName });
  }
  logForeign(context, spec, owned);
  return owned;
}

export async function snapshotAndDropDatabase(context: DropContext, spec: TenantDatabaseSpec): Promise<SnapshotResult> {
  const { snapshot, connection } = context;
  if (snapshot === undefined) {
    throw new DatabaseSnapshotFailed(
      'the deletion policy is Snapshot but the operator has no snapshot directory configured; nothing was dropped',
    );
  }
  const owned = await ownedObjects(connection, spec);
  let file: string | undefined;
  if (owned.database === 'done') {
    // pg_dump holds a connection of its own: it takes the slot outside the pool.
    file = await connection.withSessionSlot(() =>
      snapshotDatabase(spec, { server: connection.server, ...snapshot, signal: connection.abortSignal }),
    );
    crashPoint(teardownCrashPoints.afterSnapshot);
    context.logger.info('Took database snapshot', { tenant: spec.tenant, database: spec.databaseName, file });
  } else {
    // Dropped by an earlier call that crashed before returning: report the snapshot it took.
    file = await latestSnapshot(snapshot.dir, spec);
  }
  await dropOwned(context, spec, owned);
  return { file };
}

export async function dropTenantDatabase(context: DropContext, spec: TenantDatabaseSpec): Promise<void> {
  await dropOwned(context, spec, await ownedObjects(context.connection, spec));
}

async function dropOwned(context: DropContext, spec: TenantDatabaseSpec, owned: Owned): Promise<void> {
  if (owned.database === 'done') {
    pausePoint(teardownPausePoints.beforeDropDatabase);
    await context.connection.destroy(context.fence, `dropping the tenant database ${spec.databaseName}`, [dropDatabase(spec)]);
    crashPoint(teardownCrashPoints.afterDropDatabase);
    context.logger.info('Dropped database', { tenant: spec.tenant, database: spec.databaseName });
  }
  if (owned.role === 'done') {
    await context.connection.query("ending the tenant role's sessions", terminateRoleSessions, [spec.roleName]);
    await context.connection.destroy(context.fence, `dropping the tenant role ${spec.roleName}`, [dropOwnedByRole(spec), dropRole(spec)]);
    context.logger.info('Dropped database role', { tenant: spec.tenant, role: spec.roleName });
  }
  logForeign(context, spec, owned);
}

function logForeign(context: ProviderContext, spec: TenantDatabaseSpec, owned: Owned): void {
  if (owned.role === 'foreign' || owned.database === 'foreign') {
    context.logger.info("Left a namesake's database objects alone: they belong to another tenant", { tenant: spec.tenant, ...owned });
  }
}
