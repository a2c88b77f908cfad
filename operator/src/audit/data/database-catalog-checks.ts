/**
 * Judging one tenant's database and role from the server's catalog: who may connect to or create
 * in its database (its own role and superusers only, never PUBLIC), whether its role holds any
 * attribute or membership that reaches beyond its database, and whether both carry the ownership
 * marker naming this tenant's UID.
 */
import { databaseName, roleName } from '../../api/names.js';
import type { CatalogDatabase, CatalogMembership, CatalogRole, IsolationCatalog } from '../../providers/database/isolation-catalog.js';
import { parseOwnershipComment } from '../../providers/database/ownership.js';
import { failed, passed, type AuditCheck } from '../model.js';
import type { AuditedTenant } from './model.js';

const names = (tenant: AuditedTenant) => ({ database: databaseName({ metadata: tenant }), role: roleName({ metadata: tenant }) });

/**
 * The catalog by name: each tenant's checks found its database, role, memberships and the
 * superusers by scans of the whole catalog, tenants × catalog entries (docs/decisions/0060). The
 * audit of a server indexes its catalog once (indexCatalog) and judges every tenant from that; a
 * catalog passed without its index is indexed for the one call. The first entry of a name, as find
 * gave it; memberships in catalog order.
 */
interface CatalogIndex {
  databases: Map<string, CatalogDatabase>;
  roles: Map<string, CatalogRole>;
  superusers: Set<string>;
  byMember: Map<string, CatalogMembership[]>;
  byRole: Map<string, CatalogMembership[]>;
}

/** A catalog with its index, made after the catalog was read and never changed after. */
export type IndexedCatalog = IsolationCatalog & { readonly index: CatalogIndex };

function firstByName<T extends { name: string }>(entries: readonly T[]): Map<string, T> {
  const byName = new Map<string, T>();
  for (const entry of entries) if (!byName.has(entry.name)) byName.set(entry.name, entry);
  return byName;
}

function grouped(
  memberships: readonly CatalogMembership[],
  key: (membership: CatalogMembership) => string,
): Map<string, CatalogMembership[]> {
  const groups = new Map<string, CatalogMembership[]>();
  for (const membership of memberships) {
    const group = groups.get(key(membership)) ?? [];
    if (group.length === 0) groups.set(key(membership), group);
    group.push(membership);
  }
  return groups;
}

export function indexCatalog(catalog: IsolationCatalog): IndexedCatalog {
  const index: CatalogIndex = {
    databases: firstByName(catalog.databases),
    roles: firstByName(catalog.roles),
    superusers: new Set(catalog.roles.filter((role) => role.superuser).map((role) => role.name)),
    byMember: grouped(catalog.memberships, (membership) => membership.member),
    byRole: grouped(catalog.memberships, (membership) => membership.role),
  };
  return { ...catalog, index };
}

function indexOf(catalog: IsolationCatalog | IndexedCatalog): CatalogIndex {
  return 'index' in catalog ? catalog.index : indexCatalog(catalog).index;
}

const memberOf = (index: CatalogIndex, role: string): string[] => (index.byMember.get(role) ?? []).map((m) => m.role);
const membersOf = (index: CatalogIndex, role: string): string[] => (index.byRole.get(role) ?? []).map((m) => m.member);

export function judgeDatabaseAcl(tenant: AuditedTenant, catalog: IsolationCatalog): AuditCheck {
  const { database, role } = names(tenant);
  const base = {
    id: 'database.acl',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Only tenant ${tenant.name}'s role may connect to, create in or make temporary tables in database ${database}`,
  };
  const index = indexOf(catalog);
  const live = index.databases.get(database);
  if (!live) return failed({ ...base, reason: 'DatabaseMissing', message: `database ${database} does not exist`, evidence: null });
  const admins = index.superusers;
  const others = live.acl.filter((entry) => entry.grantee !== role && !admins.has(entry.grantee));
  const evidence = { owner: live.owner, acl: live.acl.map((entry) => `${entry.grantee}:${entry.privilege}`) };
  if (live.owner !== role && !admins.has(live.owner)) {
    return failed({
      ...base,
      reason: 'DatabaseOwnedByOtherRole',
      evidence,
      message: `database ${database} is owned by ${live.owner}, not by ${role}`,
    });
  }
  if (others.length > 0) {
    const granted = others.map((entry) => `${entry.privilege} to ${entry.grantee}`).join(', ');
    return failed({ ...base, reason: 'DatabaseAclGrantsOthers', evidence, message: `database ${database} grants ${granted}` });
  }
  return passed({ ...base, message: `database ${database} grants privileges to ${role} and superusers only`, evidence });
}

const attributes: [keyof CatalogRole, string][] = [
  ['superuser', 'SUPERUSER'],
  ['createDatabase', 'CREATEDB'],
  ['createRole', 'CREATEROLE'],
  ['replication', 'REPLICATION'],
  ['bypassRls', 'BYPASSRLS'],
];

function roleProblems(role: CatalogRole, index: CatalogIndex): { reason: string; text: string }[] {
  const admins = index.superusers;
  const held = attributes.filter(([field]) => role[field] === true).map(([, attribute]) => attribute);
  const roles = memberOf(index, role.name);
  const members = membersOf(index, role.name).filter((member) => !admins.has(member));
  return [
    ...(held.length > 0 ? [{ reason: 'RolePrivileged', text: `it holds ${held.join(', ')}` }] : []),
    ...(roles.length > 0 ? [{ reason: 'RoleMemberOfOtherRole', text: `it is a member of ${roles.join(', ')}` }] : []),
    ...(members.length > 0
      ? [{ reason: 'RoleGrantedToOthers', text: `${members.join(', ')} ${members.length === 1 ? 'is a member' : 'are members'} of it` }]
      : []),
  ];
}

export function judgeRole(tenant: AuditedTenant, catalog: IsolationCatalog): AuditCheck {
  const { role: name } = names(tenant);
  const base = {
    id: 'database.role',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Role ${name} is NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS and shares no membership with another role`,
  };
  const index = indexOf(catalog);
  const role = index.roles.get(name);
  if (!role) return failed({ ...base, reason: 'RoleMissing', message: `role ${name} does not exist`, evidence: null });
  const evidence = {
    attributes: Object.fromEntries(attributes.map(([field, attribute]) => [attribute, role[field] === true])),
    memberOf: memberOf(index, name),
    members: membersOf(index, name),
  };
  const problems = roleProblems(role, index);
  if (problems.length === 0) return passed({ ...base, message: `role ${name} can reach nothing beyond its own database`, evidence });
  return failed({
    ...base,
    reason: problems[0]?.reason ?? 'RolePrivileged',
    evidence,
    message: `role ${name}: ${problems.map((p) => p.text).join('; ')}`,
  });
}

function markerProblem(kind: string, name: string, comment: string | null | undefined, tenant: AuditedTenant): string | undefined {
  const marker = parseOwnershipComment(comment);
  if (!marker) return `${kind} ${name} carries no Bulkhead ownership marker`;
  if (marker.tenantUid !== tenant.uid) return `${kind} ${name} is marked as tenant ${marker.tenant} with UID ${marker.tenantUid}`;
  return undefined;
}

export function judgeOwnershipMarkers(tenant: AuditedTenant, catalog: IsolationCatalog): AuditCheck {
  const { database, role } = names(tenant);
  const base = {
    id: 'database.ownership-marker',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Database ${database} and role ${role} are marked as tenant ${tenant.name}'s (UID ${tenant.uid})`,
  };
  const index = indexOf(catalog);
  const liveDatabase: CatalogDatabase | undefined = index.databases.get(database);
  const liveRole = index.roles.get(role);
  const evidence = { databaseComment: liveDatabase?.comment ?? null, roleComment: liveRole?.comment ?? null, tenantUid: tenant.uid };
  const problems = [
    liveDatabase ? markerProblem('database', database, liveDatabase.comment, tenant) : `database ${database} does not exist`,
    liveRole ? markerProblem('role', role, liveRole.comment, tenant) : `role ${role} does not exist`,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length === 0) return passed({ ...base, message: `both carry UID ${tenant.uid}`, evidence });
  return failed({ ...base, reason: 'OwnershipMarkerWrong', message: problems.join('; '), evidence });
}

/** The three catalog checks of one tenant. */
export function judgeTenantCatalog(tenant: AuditedTenant, catalog: IsolationCatalog | IndexedCatalog): AuditCheck[] {
  const indexed = 'index' in catalog ? catalog : indexCatalog(catalog);
  return [judgeDatabaseAcl(tenant, indexed), judgeRole(tenant, indexed), judgeOwnershipMarkers(tenant, indexed)];
}
