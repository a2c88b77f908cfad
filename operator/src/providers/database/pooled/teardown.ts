/**
 * What happens to a deleted pooled tenant's place in the pool, by its deletion policy: Retain (its
 * role loses LOGIN and its sessions; its schema and shared rows stay) or Delete (its shared rows,
 * its schema with everything in it, then its role, are dropped behind the leadership fence). Only
 * objects marked with this tenant's UID are touched; a namesake's are left alone. Each step may run
 * again, so a crash part-way is finished by the next call.
 */
import { crashPoint } from '../../../runtime/crash-points.js';
import type { LeadershipFence } from '../../../runtime/fence.js';
import { readRole } from '../catalog.js';
import type { ProviderContext } from '../ensure-role.js';
import { parseOwnershipComment, roleIsTenants } from '../ownership.js';
import { disableLogin, dropOwnedByRole, dropRole, terminateRoleSessions } from '../statements.js';
import { readPoolDatabase, readTenantSchema } from './catalog.js';
import { poolDatabaseName } from './names.js';
import { dropTenantFromPool } from './statements.js';
import type { PooledTeardownResult, PooledTenantSpec } from './types.js';

export const pooledTeardownCrashPoints = {
  afterDropSchema: 'pool.after-drop-schema',
} as const;

async function ownedParts(context: ProviderContext, spec: PooledTenantSpec): Promise<PooledTeardownResult> {
  const role = await readRole(context.connection, spec.roleName);
  // No pool database, no schema: nothing to read inside it.
  const schema = (await readPoolDatabase(context.connection)) === undefined ? undefined : await readTenantSchema(context.connection, spec);
  const outcome = (exists: boolean, ours: boolean): PooledTeardownResult['role'] => (!exists ? 'absent' : ours ? 'done' : 'foreign');
  return {
    role: outcome(role !== undefined, role !== undefined && roleIsTenants(role, spec)),
    schema: outcome(schema !== undefined, parseOwnershipComment(schema?.comment)?.tenantUid === spec.tenantUid),
  };
}

export async function retainPooledTenant(context: ProviderContext, spec: PooledTenantSpec): Promise<PooledTeardownResult> {
  const owned = await ownedParts(context, spec);
  if (owned.role === 'done') {
    await context.connection.query('taking LOGIN from the pooled tenant role', disableLogin(spec));
    await context.connection.query("ending the pooled tenant role's sessions", terminateRoleSessions, [spec.roleName]);
    context.logger.info('Retained the tenant schema in the pool; its role can no longer log in', {
      tenant: spec.tenant,
      schema: spec.schemaName,
    });
  }
  logForeign(context, spec, owned);
  return owned;
}

export async function dropPooledTenant(
  context: ProviderContext & { fence: LeadershipFence },
  spec: PooledTenantSpec,
): Promise<PooledTeardownResult> {
  const owned = await ownedParts(context, spec);
  const parts = { schema: owned.schema === 'done', role: owned.role === 'done' };
  // Its open sessions would hold locks the drop waits for, and keep access until they end.
  if (parts.role) await context.connection.query("ending the pooled tenant role's sessions", terminateRoleSessions, [spec.roleName]);
  if ((parts.schema || parts.role) && (await readPoolDatabase(context.connection)) !== undefined) {
    await context.connection.destroyInDatabase(
      context.fence,
      poolDatabaseName,
      `dropping tenant ${spec.tenant}'s schema and rows in the pool`,
      dropTenantFromPool(spec, parts),
    );
    crashPoint(pooledTeardownCrashPoints.afterDropSchema);
    context.logger.info("Dropped the tenant's schema and shared rows in the pool", { tenant: spec.tenant, schema: spec.schemaName });
  }
  if (parts.role) {
    await context.connection.destroy(context.fence, `dropping the pooled tenant role ${spec.roleName}`, [
      dropOwnedByRole(spec),
      dropRole(spec),
    ]);
    context.logger.info('Dropped database role', { tenant: spec.tenant, role: spec.roleName });
  }
  logForeign(context, spec, owned);
  return owned;
}

function logForeign(context: ProviderContext, spec: PooledTenantSpec, owned: PooledTeardownResult): void {
  if (owned.role === 'foreign' || owned.schema === 'foreign') {
    context.logger.info("Left a namesake's objects in the pool alone: they belong to another tenant", { tenant: spec.tenant, ...owned });
  }
}
