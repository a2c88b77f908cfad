/**
 * Deterministic names of everything Bulkhead creates for a tenant. They depend on the tenant's
 * name alone, so a restarted operator finds what it created before instead of creating it twice.
 * The Tenant CRD keeps names to 40 characters so that every name here fits its limit
 * (names.test.ts checks it).
 */

/** Anything that carries a tenant's name: a Tenant, or just its metadata. */
export interface NamedTenant {
  readonly metadata: { readonly name: string };
}

/** The tenant's namespace, `tenant-<name>` (a DNS-1123 label, at most 63 characters). */
export function namespaceName(tenant: NamedTenant): string {
  return `tenant-${tenant.metadata.name}`;
}

/**
 * The tenant's PostgreSQL database, `tenant_<name>` with '-' turned into '_', so the name needs no
 * quoting in SQL (PostgreSQL identifiers are at most 63 bytes).
 */
export function databaseName(tenant: NamedTenant): string {
  return `tenant_${tenant.metadata.name.replaceAll('-', '_')}`;
}

/** The tenant's PostgreSQL login role; the same as its database name, which it alone may use. */
export function roleName(tenant: NamedTenant): string {
  return databaseName(tenant);
}

/** A pooled tenant's schema in its region's pool database: the same as its role's name (docs/decisions/0043). */
export function schemaName(tenant: NamedTenant): string {
  return databaseName(tenant);
}

/** The alias of the tenant's KMS key (KMS requires the `alias/` prefix). */
export function keyAlias(tenant: NamedTenant): string {
  return `alias/bulkhead/${tenant.metadata.name}`;
}

/** The Secret in the tenant's namespace that holds its database credentials. */
export function databaseSecretName(tenant: NamedTenant): string {
  return `${tenant.metadata.name}-database`;
}

/** The ConfigMap in the tenant's namespace that names its encryption key (id, ARN, alias). */
export function encryptionKeyConfigMapName(tenant: NamedTenant): string {
  return `${tenant.metadata.name}-encryption-key`;
}

/** The Helm release of the product chart for the tenant (Helm allows at most 53 characters). */
export function releaseName(tenant: NamedTenant): string {
  return `tenant-${tenant.metadata.name}`;
}
