/**
 * Who may do what. Three roles, each a fixed set of actions; every route names the action it
 * needs, so authorization is one table to read rather than checks scattered through handlers.
 */
export const roles = ['sales-ops', 'platform-admin', 'auditor'] as const;
export type Role = (typeof roles)[number];

export const actions = [
  'tenants:create', 'tenants:read', 'tenants:change-plan', 'tenants:suspend', 'tenants:delete',
  // Fields only platform engineers may set: app.version/pinned, network, a non-default deletion policy.
  'tenants:set-platform-fields',
  'plans:read', 'openapi:read',
  // The isolation audit's evidence: for auditors and platform admins, not for sales ops.
  'audit:read',
] as const;
export type Action = (typeof actions)[number];

const grants: Record<Role, readonly Action[]> = {
  'sales-ops': ['tenants:create', 'tenants:read', 'tenants:change-plan', 'tenants:suspend', 'plans:read', 'openapi:read'],
  'platform-admin': actions,
  auditor: ['tenants:read', 'plans:read', 'openapi:read', 'audit:read'],
};

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
