/**
 * PostgresDatabaseProvider: one PostgreSQL server's tenant databases. Each tenant gets a login
 * role that can do nothing beyond its own database, and a database owned by that role and closed
 * to everyone else. Every method is idempotent and safe to repeat after a crash at any point;
 * none writes anything when the server already matches. The methods that drop take the leadership
 * fence; withSignal() gives a view whose calls stop when a reconcile does.
 */
import type { LeadershipFence } from '../../runtime/fence.js';
import { readRole, readTenantObjects } from './catalog.js';
import { AdminConnection } from './connection.js';
import { ensureDatabase } from './ensure-database.js';
import { ensureRole } from './ensure-role.js';
import { PooledDatabaseProvider } from './pooled/pooled-provider.js';
import { assertNothingForeign } from './ownership.js';
import { assertUsablePassword } from './password.js';
import { verifierMatches } from './scram.js';
import { assertValidSpec } from './spec-validation.js';
import { revokePublicOnSharedDatabase } from './statements.js';
import { dropTenantDatabase, retainDatabase, snapshotAndDropDatabase, type TeardownContext } from './teardown.js';
import type {
  DatabaseProviderOptions,
  DatabaseServer,
  EnsureDatabaseResult,
  RetainResult,
  SnapshotResult,
  TenantDatabaseProvider,
  TenantDatabaseSpec,
} from './types.js';

const defaultSnapshotTimeoutMillis = 30 * 60_000;

export class PostgresDatabaseProvider implements TenantDatabaseProvider {
  private readonly connection: AdminConnection;
  private readonly context: TeardownContext;

  /** Opens a connection pool to `server`; `connection` is for withSignal's views of it. */
  constructor(
    server: DatabaseServer,
    private readonly options: DatabaseProviderOptions,
    connection?: AdminConnection,
  ) {
    this.connection = connection ?? new AdminConnection(server, options);
    const snapshot =
      options.snapshotDir === undefined
        ? undefined
        : { dir: options.snapshotDir, timeoutMillis: options.snapshotTimeoutMillis ?? defaultSnapshotTimeoutMillis };
    this.context = { connection: this.connection, logger: options.logger, snapshot };
  }

  /**
   * Makes the tenant's role and database exist as they should, with the role accepting exactly
   * `password` (the caller keeps it in a Secret). Refuses with DatabaseOwnedByAnotherTenant,
   * creating nothing, when either name is taken by another tenant's objects.
   */
  async ensure(spec: TenantDatabaseSpec, password: string): Promise<EnsureDatabaseResult> {
    assertValidSpec(spec);
    assertUsablePassword(password);
    const observed = await readTenantObjects(this.connection, spec);
    assertNothingForeign(observed, spec);
    const role = await ensureRole(this.context, spec, password, observed.role);
    const database = await ensureDatabase(this.context, spec, observed.database);
    return {
      created: { role: role.created, database: database.created },
      passwordChanged: role.passwordChanged,
      repaired: [...role.repaired, ...database.repaired],
    };
  }

  /** Whether the role accepts `password`, judged from its stored SCRAM verifier without logging in. */
  async passwordMatches(roleName: string, password: string): Promise<boolean> {
    const role = await readRole(this.connection, roleName);
    return verifierMatches(role?.verifier, password);
  }

  /** Deletion policy Retain: the database and its data stay; the role can no longer log in. */
  async retain(spec: TenantDatabaseSpec): Promise<RetainResult> {
    assertValidSpec(spec);
    return retainDatabase(this.context, spec);
  }

  /** Deletion policy Snapshot: a dump verified readable, then the database and role are dropped behind `fence`. */
  async snapshotAndDrop(spec: TenantDatabaseSpec, fence: LeadershipFence): Promise<SnapshotResult> {
    assertValidSpec(spec);
    return snapshotAndDropDatabase({ ...this.context, fence }, spec);
  }

  /** Deletion policy Delete: the database and role are dropped behind `fence`, data and all. */
  async drop(spec: TenantDatabaseSpec, fence: LeadershipFence): Promise<void> {
    assertValidSpec(spec);
    await dropTenantDatabase({ ...this.context, fence }, spec);
  }

  /** The pooled tier of the same server, on the same connections (and so with the same signal and bound). */
  pooled(): PooledDatabaseProvider {
    return new PooledDatabaseProvider(this.connection.server, this.options, this.connection);
  }

  /** The same server and pool, with every statement (and pg_dump) stopped when `signal` aborts; closing it leaves the pool open. */
  withSignal(signal: AbortSignal): PostgresDatabaseProvider {
    return new PostgresDatabaseProvider(this.connection.server, this.options, this.connection.withSignal(signal));
  }

  /**
   * Closes the shared databases (the admin database and template1) to PUBLIC, which may connect to
   * them by default: without this a tenant's role could log in to the admin database. Idempotent;
   * call once when the operator starts. Roles that connect there on purpose need an explicit GRANT.
   */
  async hardenServer(): Promise<void> {
    for (const name of new Set([this.connection.adminDatabase, 'template1'])) {
      await this.connection.query(`closing the database ${JSON.stringify(name)} to PUBLIC`, revokePublicOnSharedDatabase(name));
    }
  }

  async close(): Promise<void> {
    await this.connection.close();
  }
}
