/**
 * Brings a pooled tenant's place in the pool to its desired state: CONNECT on the pool database,
 * its schema (owned by the pool owner, marked with the tenant's UID, open to its role alone),
 * USAGE on the shared schema and its rows of the shared tables, and its search_path. The schema,
 * its marker and every grant are made in one transaction, so a schema that exists is marked; a
 * crash before the search_path or CONNECT leaves work the next call finds and does.
 */
import { crashPoint } from '../../../runtime/crash-points.js';
import type { ProviderContext } from '../ensure-role.js';
import { DatabaseOperationFailed, DatabaseOwnedByAnotherTenant, DatabaseProviderError } from '../errors.js';
import { parseOwnershipComment } from '../ownership.js';
import { readPooledRoleGrants, readSharedGrants, readTenantSchema, type TenantSchemaState } from './catalog.js';
import { poolDatabaseName, poolOwnerRole } from './names.js';
import {
  alterSchemaOwner,
  createTenantSchema,
  grantConnectOnPool,
  grantOnSchema,
  grantShared,
  revokeOnSchema,
  setSearchPath,
} from './statements.js';
import type { PooledTenantSpec } from './types.js';

export const schemaCrashPoints = {
  afterCreateSchema: 'pool.after-create-schema',
  afterSearchPath: 'pool.after-search-path',
} as const;

const duplicateSchema = '42P06';

export interface SchemaOutcome {
  created: boolean;
  repaired: string[];
}

/** Call after ensurePool and ensureRole: the pool is set up and the role is the tenant's. */
export async function ensureTenantSchema(context: ProviderContext, spec: PooledTenantSpec): Promise<SchemaOutcome> {
  let observed = await readTenantSchema(context.connection, spec);
  let created = false;
  if (observed === undefined) {
    created = await createSchemaUnlessRaced(context, spec);
    observed = await readTenantSchema(context.connection, spec);
  }
  if (observed === undefined)
    throw new DatabaseOperationFailed(`the schema ${spec.schemaName} vanished right after it was created; will retry`);
  assertSchemaIsTenants(observed, spec);
  const repaired = [...(await repairSchema(context, spec, observed)), ...(await repairRoleInPool(context, spec))];
  if (created) {
    context.logger.info('Created the tenant schema in the pool', { tenant: spec.tenant, schema: spec.schemaName });
    return { created, repaired: [] };
  }
  if (repaired.length > 0)
    context.logger.info('Restored the tenant schema in the pool', { tenant: spec.tenant, schema: spec.schemaName, repaired });
  return { created, repaired };
}

async function createSchemaUnlessRaced(context: ProviderContext, spec: PooledTenantSpec): Promise<boolean> {
  try {
    await context.connection.transactionInDatabase(poolDatabaseName, "creating the tenant's schema in the pool", createTenantSchema(spec));
  } catch (error) {
    if (error instanceof DatabaseProviderError && error.sqlState === duplicateSchema) return false;
    throw error;
  }
  crashPoint(schemaCrashPoints.afterCreateSchema);
  return true;
}

/** A schema of the tenant's name that is not marked with its UID is never handed over. */
export function assertSchemaIsTenants(observed: TenantSchemaState, spec: PooledTenantSpec): void {
  const marker = parseOwnershipComment(observed.comment);
  if (marker?.tenantUid === spec.tenantUid) return;
  const holder = marker ? `tenant ${JSON.stringify(marker.tenant)} with UID ${marker.tenantUid}` : 'something Bulkhead did not create';
  throw new DatabaseOwnedByAnotherTenant(
    `the schema ${JSON.stringify(spec.schemaName)} in the pool database ${poolDatabaseName} belongs to ${holder}, not to tenant ` +
      `${JSON.stringify(spec.tenant)} with UID ${spec.tenantUid}; Bulkhead will not hand it over. Rename or drop it (after keeping what you need).`,
  );
}

/** Whom the schema's grants admit beyond its owner and the tenant's role: what the audit calls a cross-tenant grant. */
export function foreignGrantees(observed: TenantSchemaState, spec: Pick<PooledTenantSpec, 'roleName'>): string[] {
  const allowed = new Set([poolOwnerRole, spec.roleName]);
  return [...new Set(observed.acl.map((entry) => entry.grantee).filter((grantee) => !allowed.has(grantee)))].sort();
}

function tenantHoldsSchema(observed: TenantSchemaState, spec: PooledTenantSpec): boolean {
  const held = new Set(observed.acl.filter((entry) => entry.grantee === spec.roleName).map((entry) => entry.privilege));
  return held.has('USAGE') && held.has('CREATE');
}

async function repairSchema(context: ProviderContext, spec: PooledTenantSpec, observed: TenantSchemaState): Promise<string[]> {
  const statements: string[] = [];
  const repaired: string[] = [];
  if (observed.owner !== poolOwnerRole) {
    statements.push(alterSchemaOwner(spec));
    repaired.push('schema owner');
  }
  const foreign = foreignGrantees(observed, spec);
  if (foreign.length > 0 || !tenantHoldsSchema(observed, spec)) {
    statements.push(...foreign.map((grantee) => revokeOnSchema(spec, grantee)), grantOnSchema(spec));
    repaired.push('schema privileges');
  }
  if (!(await readSharedGrants(context.connection, spec))) {
    statements.push(...grantShared(spec));
    repaired.push('shared table privileges');
  }
  if (statements.length > 0) await context.connection.transactionInDatabase(poolDatabaseName, "restoring the tenant's schema", statements);
  return repaired;
}

/** CONNECT and search_path live in the shared catalogs: set from the admin database. */
async function repairRoleInPool(context: ProviderContext, spec: PooledTenantSpec): Promise<string[]> {
  const grants = await readPooledRoleGrants(context.connection, spec);
  const repaired: string[] = [];
  if (!searchPathIsSchema(grants?.searchPath, spec.schemaName)) {
    await context.connection.query("setting the pooled role's search_path", setSearchPath(spec));
    crashPoint(schemaCrashPoints.afterSearchPath);
    repaired.push('search_path');
  }
  if (grants?.connect !== true) {
    await context.connection.query('letting the pooled role connect to the pool', grantConnectOnPool(spec));
    repaired.push('pool database privileges');
  }
  return repaired;
}

/** pg_db_role_setting holds `search_path=<schema>`, the name quoted when it needs to be. */
export function searchPathIsSchema(setting: string | null | undefined, schema: string): boolean {
  return setting === `search_path=${schema}` || setting === `search_path="${schema.replaceAll('"', '""')}"`;
}
