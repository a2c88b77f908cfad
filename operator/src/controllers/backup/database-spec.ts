/**
 * The tenant as the backup provider needs it: the names the tenant controller gave its database
 * (or, for a pooled tenant, its schema in the pool, as status.database.schema records) and the
 * key its archives are sealed under (docs/decisions/0055).
 */
import { databaseName, keyAlias, roleName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { BackupSubject, PoolBackupKeyRequest } from '../../providers/backup/index.js';
import { poolBackupKeyAlias } from '../../providers/backup/pool-backup-key-alias.js';
import { accountRootArn, partitionOf } from '../../providers/kms/key-policy.js';
import { tenantPrincipal } from '../../providers/kms/principal.js';
import type { TenantDatabaseSpec } from '../../providers/database/index.js';
import type { PooledTenantSpec } from '../../providers/database/pooled/index.js';
import { poolDatabaseName } from '../../providers/database/pooled/names.js';
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
 * The region's pool-backups key request for a tenant on its region's pool key (docs/decisions/0055):
 * the operator's identity (backups.operatorPrincipalTemplate) and the account root of the region.
 */
function poolBackupKeyOf(tenant: Tenant, config: OperatorConfig): PoolBackupKeyRequest {
  const { region } = tenant.spec;
  const accountId = config.regions[region]?.kms.accountId;
  if (accountId === undefined) throw new Error(`region ${region} is not in the operator's configuration; nothing was backed up`);
  const partition = partitionOf(region);
  const template = config.backups?.operatorPrincipalTemplate ?? config.encryption.operatorPrincipalTemplate;
  return {
    region,
    operatorPrincipal: tenantPrincipal(template, { tenant: '', accountId, partition }),
    rootArn: accountRootArn(accountId, partition),
  };
}

/**
 * What TenantBackups takes: the tenant's database or pooled schema, and the key its archives are
 * sealed under: its own, or for a tenant on the pool key, the region's pool-backups key.
 */
export function backupSubjectOf(tenant: Tenant, plan: TenantPlan | undefined, config: OperatorConfig): BackupSubject {
  const database = databaseSpecOf(tenant, plan);
  if (!recordsPoolKey(tenant)) return { database, keyAlias: keyAlias(tenant) };
  const poolBackupKey = poolBackupKeyOf(tenant, config);
  return { database, keyAlias: poolBackupKeyAlias(poolBackupKey.region), poolBackupKey };
}
