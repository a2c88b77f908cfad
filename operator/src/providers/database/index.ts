/**
 * The database provider: each tenant's own PostgreSQL database and login role, created, kept in
 * shape, and retained, snapshotted or dropped on deletion. Plain classes, no Kubernetes: the
 * tenant controller passes a TenantDatabaseSpec and keeps the password in a Secret.
 */
export { PostgresDatabaseProvider } from './postgres-provider.js';
export { generatePassword } from './password.js';
export { databaseCrashPoints } from './ensure-database.js';
export { roleCrashPoints } from './ensure-role.js';
export { teardownCrashPoints } from './teardown.js';
export {
  DatabaseOperationAborted,
  DatabaseOperationFailed,
  DatabaseOwnedByAnotherTenant,
  DatabaseProviderError,
  DatabaseSnapshotFailed,
  DatabaseSpecInvalid,
  DatabaseUnavailable,
} from './errors.js';
export type {
  DatabaseProviderOptions,
  DatabaseServer,
  EnsureDatabaseResult,
  ObjectOutcome,
  RetainResult,
  SnapshotResult,
  TenantDatabaseProvider,
  TenantDatabaseSpec,
} from './types.js';
