// The code before decision 0060, kept verbatim (imports re-pointed) so the equivalence tests compare the indexed parts with it.
/**
 * Judging one tenant's database and role from the server's catalog: who may connect to or create
 * in its database (its own role and superusers only, never PUBLIC), whether its role holds any
 * attribute or membership that reaches beyond its database, and whether both carry the ownership
 * marker naming this tenant's UID.
 */
import { databaseName, roleName } from '../../../api/names.js';
import type { CatalogDatabase, CatalogRole, IsolationCatalog } from '../../../providers/database/isolation-catalog.js';
import { parseOwnershipComment } from '../../../providers/database/ownership.js';
import { failed, passed, type AuditCheck } from '../../model.js';
import type { AuditedTenant } from '../../data/model.js';

const names = (tenant: AuditedTenant) => ({ database: databaseName({ metadata: tenant }), role: roleName({ metadata: tenant }) });

function superusers(catalog: IsolationCatalog): Set<string> {
  return new Set(catalog.roles.filter((role) => role.superuser).map((role) => role.name));
}

export function judgeDatabaseAcl(tenant: AuditedTenant, catalog: IsolationCatalog): AuditCheck {
  const { database, role } = names(tenant);
  const base = {
    id: 'database.acl',
    category: 'database' as const,
    tenant: tenant.name,
    title: `Only tenant ${tenant.name}'s role may connect to, create in or make temporary tables in database ${database}`,
  };
  const live = catalog.databases.find((candidate) => candidate.name === database);
  if (!live) return failed({ ...base, reason: 'DatabaseMissing', message: `database ${database} does not exist`, evidence: null });
  const admins = superusers(catalog);
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

function roleProblems(role: CatalogRole, catalog: IsolationCatalog): { reason: string; text: string }[] {
  const admins = superusers(catalog);
  const held = attributes.filter(([field]) => role[field] === true).map(([, attribute]) => attribute);
  const memberOf = catalog.memberships.filter((m) => m.member === role.name).map((m) => m.role);
  const members = catalog.memberships.filter((m) => m.role === role.name && !admins.has(m.member)).map((m) => m.member);
  return [
    ...(held.length > 0 ? [{ reason: 'RolePrivileged', text: `it holds ${held.join(', ')}` }] : []),
    ...(memberOf.length > 0 ? [{ reason: 'RoleMemberOfOtherRole', text: `it is a member of ${memberOf.join(', ')}` }] : []),
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
  const role = catalog.roles.find((candidate) => candidate.name === name);
  if (!role) return failed({ ...base, reason: 'RoleMissing', message: `role ${name} does not exist`, evidence: null });
  const evidence = {
    attributes: Object.fromEntries(attributes.map(([field, attribute]) => [attribute, role[field] === true])),
    memberOf: catalog.memberships.filter((m) => m.member === name).map((m) => m.role),
    members: catalog.memberships.filter((m) => m.role === name).map((m) => m.member),
  };
  const problems = roleProblems(role, catalog);
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
  const liveDatabase: CatalogDatabase | undefined = catalog.databases.find((candidate) => candidate.name === database);
  const liveRole = catalog.roles.find((candidate) => candidate.name === role);
  const evidence = { databaseComment: liveDatabase?.comment ?? null, roleComment: liveRole?.comment ?? null, tenantUid: tenant.uid };
  const problems = [
    liveDatabase ? markerProblem('database', database, liveDatabase.comment, tenant) : `database ${database} does not exist`,
    liveRole ? markerProblem('role', role, liveRole.comment, tenant) : `role ${role} does not exist`,
  ].filter((problem): problem is string => problem !== undefined);
  if (problems.length === 0) return passed({ ...base, message: `both carry UID ${tenant.uid}`, evidence });
  return failed({ ...base, reason: 'OwnershipMarkerWrong', message: problems.join('; '), evidence });
}

/** The three catalog checks of one tenant. */
export function judgeTenantCatalog(tenant: AuditedTenant, catalog: IsolationCatalog): AuditCheck[] {
  return [judgeDatabaseAcl(tenant, catalog), judgeRole(tenant, catalog), judgeOwnershipMarkers(tenant, catalog)];
}
