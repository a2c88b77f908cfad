/**
 * The tenant as the backup provider needs it: the names the tenant controller gave its database
 * (or, for a pooled tenant, its schema in the pool, as status.database.schema records) and the
 * alias of the key its archives are sealed under.
 */
import { databaseName, keyAlias, roleName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { BackupSubject } from '../../providers/backup/index.js';
import type { TenantDatabaseSpec } from '../../providers/database/index.js';
import { poolDatabaseName, type PooledTenantSpec } from '../../providers/database/pooled/index.js';
import { recordsPoolKey } from '../tenant/steps/pooled-encryption-key.js';

export function databaseSpecOf(tenant: Tenant, plan: TenantPlan | undefined): TenantDatabaseSpec | PooledTenantSpec {
  const spec: TenantDatabaseSpec = {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid ?? '',
    databaseName: databaseName(tenant),
    roleName: roleName(tenant),
    connectionLimit: plan?.spec.database.connectionLimit ?? 20,
  };
  const schema = tenant.status?.database?.schema;
  return schema === undefined ? spec : { ...spec, databaseName: poolDatabaseName, schemaName: schema };
}

/**
 * The reason a tenant's data cannot be backed up, or undefined: a tenant on its region's pool key
 * has no key the operator may seal with (the pool key lets nobody Decrypt, decision 0049), and
 * sealing its archives is not built (docs/decisions/0055).
 */
export function backupRefusal(tenant: Tenant): string | undefined {
  if (!recordsPoolKey(tenant)) return undefined;
  return (
    `tenant ${tenant.metadata.name}'s key is its region's pool key (plan isolation.key Shared), under which the operator may not ` +
    'seal a backup: backups of pool-key tenants are not built (docs/decisions/0055); nothing was dumped or stored'
  );
}

/** What TenantBackups takes: the tenant's database or pooled schema, and its own key's alias. */
export function backupSubjectOf(tenant: Tenant, plan: TenantPlan | undefined): BackupSubject {
  const refusal = backupRefusal(tenant);
  if (refusal !== undefined) throw new Error(refusal);
  return { database: databaseSpecOf(tenant, plan), keyAlias: keyAlias(tenant) };
}
