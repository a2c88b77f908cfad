/**
 * A deleted pooled tenant's place in the pool, by its deletion policy (docs/decisions/0043): Retain
 * keeps its schema and shared rows and takes its role's login; Delete drops its shared rows, schema
 * and role behind the leadership fence; Snapshot first stores them as a backup in the object store
 * (docs/decisions/0055), Export after the final export (final-export.ts), then drops. The tier is read
 * from status.database.schema, which the database step records from its first attempt on.
 */
import { databaseName, roleName, schemaName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { PooledTenantSpec } from '../../providers/database/pooled/index.js';
import { poolDatabaseName } from '../../providers/database/pooled/names.js';
import { storePooledDeletionBackup } from './deletion-backup.js';
import type { TeardownDeps } from './teardown.js';

/** The pooled schema the tenant's status records, or undefined for a tenant with a database of its own. */
export function recordedPoolSchema(tenant: Tenant): string | undefined {
  return tenant.status?.database?.schema;
}

function pooledSpec(tenant: Tenant, schema: string): PooledTenantSpec {
  return {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid ?? '',
    databaseName: poolDatabaseName,
    roleName: roleName(tenant),
    schemaName: schema,
    connectionLimit: 1,
  };
}

async function pooledProvider(deps: TeardownDeps, tenant: Tenant) {
  const provider = (await deps.providers.database(tenant.spec.region)).pooled?.();
  if (!provider) throw new Error(`the database provider of region ${tenant.spec.region} has no pooled tier; nothing was torn down`);
  return provider;
}

/**
 * A tenant deleted mid-promotion (docs/decisions/0048) has a part in the pool and a database of its
 * own. Delete: the pool's part goes first (the role could not be dropped while it holds grants
 * there), then `tearDownOwn` drops the database and role. Retain: both stay; the role loses its login.
 */
export async function tearDownMidPromotion(deps: TeardownDeps, tenant: Tenant, tearDownOwn: () => Promise<string>): Promise<string> {
  const spec = pooledSpec(tenant, schemaName(tenant));
  const provider = await pooledProvider(deps, tenant);
  if ((tenant.spec.database?.deletionPolicy ?? 'Retain') === 'Delete') {
    const { schemaName: _schema, ...dedicated } = { ...spec, databaseName: databaseName(tenant) };
    await provider.dropFromPool({ pooled: spec, dedicated }, deps.fence);
    return `${await tearDownOwn()}; the promotion under way was abandoned, schema ${spec.schemaName} dropped from the pool first`;
  }
  await provider.retain(spec);
  return `${await tearDownOwn()}; the promotion under way was abandoned, schema ${spec.schemaName} and the tenant's shared rows are retained in the pool too`;
}

/** Tears down the tenant's place in the pool; returns what happened, in words for the Event. */
export async function tearDownPooledDatabase(deps: TeardownDeps, tenant: Tenant, schema: string): Promise<string> {
  const spec = pooledSpec(tenant, schema);
  const policy = tenant.spec.database?.deletionPolicy ?? 'Retain';
  const provider = await pooledProvider(deps, tenant);
  if (policy === 'Delete') {
    await provider.drop(spec, deps.fence);
    return `Dropped schema ${schema}, the tenant's rows of the shared tables and role ${spec.roleName} in the pool database ${poolDatabaseName} (deletionPolicy Delete)`;
  }
  if (policy === 'Snapshot') {
    const stored = await storePooledDeletionBackup(deps, tenant, spec);
    await provider.drop(spec, deps.fence);
    return `Stored schema ${schema} and the tenant's shared rows as backup ${stored.id} in the object store, then dropped them and role ${spec.roleName} from the pool database ${poolDatabaseName} (deletionPolicy Snapshot)`;
  }
  if (policy === 'Export') {
    await provider.drop(spec, deps.fence);
    return `Dropped schema ${schema}, the tenant's shared rows and role ${spec.roleName} from the pool database ${poolDatabaseName} after its final export (deletionPolicy Export)`;
  }
  await provider.retain(spec);
  return `Retained schema ${schema} and the tenant's shared rows in the pool database ${poolDatabaseName}; role ${spec.roleName} can no longer log in`;
}
