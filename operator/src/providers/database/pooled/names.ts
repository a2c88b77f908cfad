/**
 * The fixed names of a server's pool (docs/decisions/0043): one shared database per server, owned
 * by a role nobody logs in as, with one schema per pooled tenant and a schema of shared tables under
 * row-level security. Fixed, so a restarted operator finds the pool it made; every name is plain
 * enough to need no quoting, and is quoted anyway.
 */

/** The shared database of a server's pooled tenants. */
export const poolDatabaseName = 'bulkhead_pool';

/** Owns the pool database, its shared schema and shared tables, and every tenant schema; NOLOGIN. */
export const poolOwnerRole = 'bulkhead_pool_owner';

/** Where the tables every pooled tenant shares live, each under the row-level security template. */
export const sharedSchemaName = 'bulkhead_shared';

/** The one shared table this version keeps: the template product tables shared across tenants follow. */
export const sharedTableName = 'tenant_settings';

/** The row-level security policy on every shared table: a row is its tenant role's alone. */
export const tenantRowPolicyName = 'tenant_isolation';

/** What a pooled tenant's role may do on each shared table; never TRUNCATE, REFERENCES or TRIGGER. */
export const sharedTablePrivileges = ['SELECT', 'INSERT', 'UPDATE', 'DELETE'] as const;
