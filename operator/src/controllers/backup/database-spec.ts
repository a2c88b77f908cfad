/** The tenant's database as the backup provider needs it: the names the tenant controller gave it. */
import { databaseName, roleName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { TenantDatabaseSpec } from '../../providers/database/index.js';

export function databaseSpecOf(tenant: Tenant, plan: TenantPlan | undefined): TenantDatabaseSpec {
  return {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid ?? '',
    databaseName: databaseName(tenant),
    roleName: roleName(tenant),
    connectionLimit: plan?.spec.database.connectionLimit ?? 20,
  };
}
