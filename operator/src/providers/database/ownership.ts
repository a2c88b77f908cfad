/**
 * Which tenant a database and role belong to. Bulkhead marks both with a COMMENT carrying the
 * tenant's name and UID; a name alone is not enough, because a new tenant can take the name of a
 * deleted one whose data was retained, and must never be handed that data.
 */
import { DatabaseOwnedByAnotherTenant } from './errors.js';
import type { TenantDatabaseSpec } from './types.js';

/** What Bulkhead writes into the COMMENT of a tenant's role and database. */
export interface OwnershipMarker {
  tenant: string;
  tenantUid: string;
}

/** The role and database of the tenant's names as found in the catalog. */
export interface ObservedRole {
  comment: string | null;
}
export interface ObservedDatabase {
  comment: string | null;
  /** The name of the role that owns the database. */
  owner: string;
}

/** The COMMENT text marking an object as the tenant's: a small JSON document. */
export function ownershipComment(spec: Pick<TenantDatabaseSpec, 'tenant' | 'tenantUid'>): string {
  return JSON.stringify({ managedBy: 'bulkhead', tenant: spec.tenant, tenantUid: spec.tenantUid });
}

/** The marker in a COMMENT, or undefined when the comment is absent or not one of Bulkhead's. */
export function parseOwnershipComment(comment: string | null | undefined): OwnershipMarker | undefined {
  if (!comment) return undefined;
  try {
    const { managedBy, tenant, tenantUid } = JSON.parse(comment) as Record<string, unknown>;
    if (managedBy !== 'bulkhead' || typeof tenant !== 'string' || typeof tenantUid !== 'string') return undefined;
    return { tenant, tenantUid };
  } catch {
    return undefined;
  }
}

/** Whether the role is marked as this tenant's. Bulkhead creates a role and its marker in one transaction. */
export function roleIsTenants(role: ObservedRole, spec: TenantDatabaseSpec): boolean {
  return parseOwnershipComment(role.comment)?.tenantUid === spec.tenantUid;
}

/**
 * Whether the database is this tenant's: marked with its UID, or not yet marked (a crash between
 * CREATE DATABASE, which cannot share a transaction, and COMMENT) and owned by the tenant's role.
 */
export function databaseIsTenants(database: ObservedDatabase, spec: TenantDatabaseSpec, roleIsOurs: boolean): boolean {
  const marker = parseOwnershipComment(database.comment);
  if (marker) return marker.tenantUid === spec.tenantUid;
  return roleIsOurs && database.owner === spec.roleName;
}

/**
 * Throws DatabaseOwnedByAnotherTenant if the role or database of the tenant's names exists and is
 * not this tenant's. Checked before anything is created, so a refused tenant leaves nothing behind.
 */
export function assertNothingForeign(
  observed: { role?: ObservedRole | undefined; database?: ObservedDatabase | undefined },
  spec: TenantDatabaseSpec,
): void {
  const roleIsOurs = observed.role !== undefined && roleIsTenants(observed.role, spec);
  if (observed.role && !roleIsOurs) {
    throw new DatabaseOwnedByAnotherTenant(foreignMessage('role', spec.roleName, observed.role.comment, spec));
  }
  if (observed.database) assertDatabaseIsTenants(observed.database, spec, roleIsOurs);
}

/**
 * Throws DatabaseOwnedByAnotherTenant unless the database is this tenant's. A database without a
 * marker and without the tenant's role as owner cannot be told apart from someone else's.
 */
export function assertDatabaseIsTenants(database: ObservedDatabase, spec: TenantDatabaseSpec, roleIsOurs: boolean): void {
  if (!databaseIsTenants(database, spec, roleIsOurs)) {
    throw new DatabaseOwnedByAnotherTenant(foreignMessage('database', spec.databaseName, database.comment, spec));
  }
}

function foreignMessage(kind: 'role' | 'database', name: string, comment: string | null, spec: TenantDatabaseSpec): string {
  const marker = parseOwnershipComment(comment);
  const holder = marker
    ? `tenant ${JSON.stringify(marker.tenant)} with UID ${marker.tenantUid} (perhaps retained after that tenant was deleted)`
    : 'something Bulkhead did not create';
  return (
    `the PostgreSQL ${kind} ${JSON.stringify(name)} belongs to ${holder}, not to tenant ` +
    `${JSON.stringify(spec.tenant)} with UID ${spec.tenantUid}; Bulkhead will not hand it over. ` +
    'Rename or drop it (after keeping what you need) to let this tenant have a database.'
  );
}
