/**
 * Who may do what. Three roles, each a fixed set of actions; every route names the action it
 * needs, so authorization is one table to read rather than checks scattered through handlers.
 */
export const roles = ['sales-ops', 'platform-admin', 'auditor'] as const;
export type Role = (typeof roles)[number];

export const actions = [
  'tenants:create',
  'tenants:read',
  'tenants:change-plan',
  'tenants:suspend',
  'tenants:delete',
  // Fields only platform engineers may set: app.version/pinned, network, a non-default deletion policy.
  'tenants:set-platform-fields',
  // Restoring one of the tenant's own backups into it (it replaces the data the tenant has now).
  'tenants:restore',
  // Restoring another tenant's backup: crossTenantOverride opens its data key (docs/decisions/0041).
  'tenants:restore-cross-tenant',
  // The tenant's backup list (ids, times, sizes, kinds) and restores' progress: nothing secret.
  'backups:read',
  'restores:read',
  'plans:read',
  'openapi:read',
  // The isolation audit's evidence: for auditors and platform admins, not for sales ops.
  'audit:read',
  // The cell registry (docs/cells.md): which clusters tenants are placed in. Platform admins only.
  'cells:read',
  'cells:manage',
] as const;
export type Action = (typeof actions)[number];

const grants: Record<Role, readonly Action[]> = {
  'sales-ops': [
    'tenants:create',
    'tenants:read',
    'tenants:change-plan',
    'tenants:suspend',
    'tenants:restore',
    'backups:read',
    'restores:read',
    'plans:read',
    'openapi:read',
  ],
  'platform-admin': actions,
  auditor: ['tenants:read', 'backups:read', 'restores:read', 'plans:read', 'openapi:read', 'audit:read'],
};

/**
 * The order in which a caller mapped to several roles (an OIDC user in several mapped groups) gets
 * one: the first of these, the least privileged. Auditors change nothing, sales ops change
 * commercial fields, platform admins everything; roles.test.ts checks that the grants keep this
 * order. Least privilege rather than most: group memberships accumulate and identity providers
 * hand out broad ones, so an extra group must never raise what a caller may do; and an auditor who
 * is also in a sales group stays an auditor (separation of duties) instead of auditing their own
 * changes. Whoever needs the wider role gets an identity without the narrower group.
 */
export const rolePrecedence: readonly Role[] = ['auditor', 'sales-ops', 'platform-admin'];

/** The least privileged of `candidates` (rolePrecedence), whatever their order; undefined for none. */
export function leastPrivilegedRole(candidates: Iterable<Role>): Role | undefined {
  const present = new Set(candidates);
  return rolePrecedence.find((role) => present.has(role));
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (roles as readonly string[]).includes(value);
}

export function roleAllows(role: Role, action: Action): boolean {
  return grants[role].includes(action);
}

/** The authenticated caller: a token's name or a JWT subject, and the role it maps to. */
export interface Principal {
  /** `token:<name>` or `oidc:<sub>`; recorded on what the caller creates. */
  id: string;
  role: Role;
}
