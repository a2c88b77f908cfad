/**
 * The fleet-wide orphan check of one database server: databases and roles that look like a
 * tenant's (named `tenant_...` as the operator names them, or carrying Bulkhead's ownership
 * marker) but belong to no Tenant served by that server. A database kept by the Retain deletion
 * policy (marked, its role unable to log in) is listed as retained, not as a finding: nobody can
 * log in to it. Anything else that belongs to no tenant is a finding: a role that can still log in,
 * or a database nobody accounts for.
 */
import { databaseName } from '../../api/names.js';
import type { CatalogDatabase, CatalogRole, IsolationCatalog } from '../../providers/database/isolation-catalog.js';
import { parseOwnershipComment } from '../../providers/database/ownership.js';
import { failed, passed, type AuditCheck } from '../model.js';
import type { AuditedTenant } from './model.js';

const tenantPrefix = 'tenant_';

const looksLikeTenants = (object: { name: string; comment: string | null }): boolean =>
  object.name.startsWith(tenantPrefix) || parseOwnershipComment(object.comment) !== undefined;

interface Orphans {
  retained: string[];
  unaccounted: string[];
}

function classify(catalog: IsolationCatalog, owned: Set<string>): Orphans {
  const roles = new Map(catalog.roles.map((role) => [role.name, role]));
  const orphans: Orphans = { retained: [], unaccounted: [] };
  for (const database of catalog.databases.filter((d) => looksLikeTenants(d) && !owned.has(d.name))) {
    (isRetainedDatabase(database, roles) ? orphans.retained : orphans.unaccounted).push(`database ${database.name}`);
  }
  for (const role of catalog.roles.filter((r) => looksLikeTenants(r) && !owned.has(r.name))) {
    (role.canLogin ? orphans.unaccounted : orphans.retained).push(`role ${role.name}${role.canLogin ? ' (can log in)' : ''}`);
  }
  return orphans;
}

/** Marked by Bulkhead, and no grantee of its ACL but superusers can log in: kept data nobody can reach. */
function isRetainedDatabase(database: CatalogDatabase, roles: Map<string, CatalogRole>): boolean {
  const canReach = (name: string): boolean => {
    if (name === 'PUBLIC') return true;
    const role = roles.get(name);
    return role !== undefined && role.canLogin && !role.superuser;
  };
  const reachable = [database.owner, ...database.acl.map((entry) => entry.grantee)].some(canReach);
  return parseOwnershipComment(database.comment) !== undefined && !reachable;
}

export function judgeOrphans(server: string, tenants: readonly AuditedTenant[], catalog: IsolationCatalog): AuditCheck {
  const owned = new Set(tenants.map((tenant) => databaseName({ metadata: tenant })));
  const { retained, unaccounted } = classify(catalog, owned);
  const base = {
    id: 'database.orphans',
    category: 'database' as const,
    title: `Every tenant-like database and role on ${server} belongs to a Tenant, or is retained with no login`,
  };
  const evidence = { server, tenants: tenants.map((tenant) => tenant.name), retained, unaccounted };
  if (unaccounted.length === 0) {
    return passed({
      ...base,
      evidence,
      message: `no orphan on ${server}${retained.length > 0 ? `; ${retained.length} retained object(s) nobody can log in to` : ''}`,
    });
  }
  return failed({
    ...base,
    reason: 'OrphanDatabaseObjects',
    evidence,
    message: `on ${server}, no Tenant accounts for ${unaccounted.join(', ')}`,
  });
}

/**
 * The tenant each live tenant-like database is for: the owning tenant, else its marker's tenant,
 * else its name without the prefix. Retained databases are left out (see isRetainedDatabase).
 */
export function databaseInventory(tenants: readonly AuditedTenant[], catalog: IsolationCatalog): string[] {
  const owners = new Map(tenants.map((tenant) => [databaseName({ metadata: tenant }), tenant.name]));
  const roles = new Map(catalog.roles.map((role) => [role.name, role]));
  return catalog.databases.filter(looksLikeTenants).flatMap((database) => {
    const owner = owners.get(database.name);
    if (owner !== undefined) return [owner];
    if (isRetainedDatabase(database, roles)) return [];
    return [parseOwnershipComment(database.comment)?.tenant ?? database.name.slice(tenantPrefix.length).replaceAll('_', '-')];
  });
}
