/**
 * PooledDatabaseProvider: the pooled tier of one PostgreSQL server (docs/decisions/0043). Each
 * pooled tenant gets a login role of its own (the dedicated tier's, ensure-role.ts) and a schema of
 * its own in the server's one pool database, which only its role may use; shared tables hold its
 * rows under row-level security. Every method is idempotent and safe to repeat after a crash at any
 * point; none writes anything when the server already matches. Drops pass the leadership fence.
 */
import type { LeadershipFence } from '../../../runtime/fence.js';
import { readRole } from '../catalog.js';
import { AdminConnection } from '../connection.js';
import { ensureRole, type ProviderContext } from '../ensure-role.js';
import { DatabaseSpecInvalid } from '../errors.js';
import { assertNothingForeign } from '../ownership.js';
import { assertUsablePassword } from '../password.js';
import { assertValidSpec } from '../spec-validation.js';
import { assertValidIdentifier } from '../sql-quoting.js';
import type { DatabaseProviderOptions, DatabaseServer } from '../types.js';
import { ensurePool } from './ensure-pool.js';
import { ensureTenantSchema } from './ensure-schema.js';
import { poolDatabaseName } from './names.js';
import { verifyCopy, type Verification } from './verify-copy.js';
import { copyToOwnDatabase, dropFromPool, stopPoolWrites, type PromotionSpec } from './promotion.js';
import { dropPooledTenant, retainPooledTenant } from './teardown.js';
import type { EnsurePooledResult, PooledTeardownResult, PooledTenantSpec } from './types.js';

export class PooledDatabaseProvider {
  private readonly context: ProviderContext;
  /** Only a provider that opened its connection closes it; one lent by the dedicated provider stays open. */
  private readonly ownsConnection: boolean;

  /** Uses `connection` (a dedicated provider's, to share its pool and bound) or opens one to `server`. */
  constructor(
    server: DatabaseServer,
    private readonly options: DatabaseProviderOptions,
    connection?: AdminConnection,
  ) {
    this.context = { connection: connection ?? new AdminConnection(server, options), logger: options.logger };
    this.ownsConnection = connection === undefined;
  }

  /**
   * Makes the pool, the tenant's role (accepting exactly `password`) and its schema exist as they
   * should. Refuses with DatabaseOwnedByAnotherTenant, creating nothing of the tenant's, when its
   * role or schema name is taken by another tenant's objects.
   */
  async ensure(spec: PooledTenantSpec, password: string): Promise<EnsurePooledResult> {
    assertValidPooledSpec(spec);
    assertUsablePassword(password);
    const observedRole = await readRole(this.context.connection, spec.roleName);
    assertNothingForeign({ role: observedRole }, spec);
    const pool = await ensurePool(this.context);
    const role = await ensureRole(this.context, spec, password, observedRole);
    const schema = await ensureTenantSchema(this.context, spec);
    return {
      created: { role: role.created, schema: schema.created, pool: pool.created },
      passwordChanged: role.passwordChanged,
      repaired: [...pool.repaired, ...role.repaired, ...schema.repaired],
    };
  }

  /** Deletion policy Retain: the schema and the tenant's shared rows stay; the role can no longer log in. */
  async retain(spec: PooledTenantSpec): Promise<PooledTeardownResult> {
    assertValidPooledSpec(spec);
    return retainPooledTenant(this.context, spec);
  }

  /** Deletion policy Delete: the tenant's shared rows, schema and role are dropped behind `fence`. */
  async drop(spec: PooledTenantSpec, fence: LeadershipFence): Promise<PooledTeardownResult> {
    assertValidPooledSpec(spec);
    return dropPooledTenant({ ...this.context, fence }, spec);
  }

  /** Promotion, first step (docs/decisions/0048): the role loses CONNECT on the pool and its sessions there. */
  async stopWrites(spec: PromotionSpec): Promise<number> {
    assertValidPromotion(spec);
    return stopPoolWrites(this.context, spec);
  }

  /** Promotion: the schema and shared rows copied into the tenant's own database, replacing any earlier copy. */
  async copyToOwnDatabase(spec: PromotionSpec, fence: LeadershipFence): Promise<void> {
    assertValidPromotion(spec);
    const timeoutMillis = this.options.snapshotTimeoutMillis ?? defaultCopyTimeoutMillis;
    await copyToOwnDatabase({ ...this.context, fence, dumpDir: this.options.snapshotDir, timeoutMillis }, spec);
  }

  /** Promotion: row counts and checksums per table, the pool against the copy. */
  async verifyCopy(spec: PromotionSpec): Promise<Verification> {
    assertValidPromotion(spec);
    return verifyCopy(this.context.connection, spec);
  }

  /** Promotion, last step, once the tenant is cut over: its schema, shared rows and grants leave the pool. */
  async dropFromPool(spec: PromotionSpec, fence: LeadershipFence): Promise<void> {
    assertValidPromotion(spec);
    await dropFromPool({ ...this.context, fence }, spec);
  }

  async close(): Promise<void> {
    if (this.ownsConnection) await this.context.connection.close();
  }
}

const defaultCopyTimeoutMillis = 30 * 60_000;

function assertValidPromotion(spec: PromotionSpec): void {
  assertValidPooledSpec(spec.pooled);
  assertValidSpec(spec.dedicated);
  if (spec.pooled.roleName !== spec.dedicated.roleName || spec.pooled.tenantUid !== spec.dedicated.tenantUid) {
    throw new DatabaseSpecInvalid('a promotion keeps the tenant and its role: both sides must name the same role and tenant UID');
  }
}

function assertValidPooledSpec(spec: PooledTenantSpec): void {
  assertValidSpec(spec);
  assertValidIdentifier(spec.schemaName, 'the schema name');
  if (spec.databaseName !== poolDatabaseName) {
    throw new DatabaseSpecInvalid(`a pooled tenant's database is the pool ${poolDatabaseName}, not ${spec.databaseName}`);
  }
}
