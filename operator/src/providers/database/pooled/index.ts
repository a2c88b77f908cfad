/**
 * The pooled database tier (docs/decisions/0043): a schema and a role of its own for each pooled
 * tenant in its server's one shared pool database, shared tables under row-level security.
 */
export { PooledDatabaseProvider } from './pooled-provider.js';
export { poolCrashPoints } from './ensure-pool.js';
export { schemaCrashPoints, foreignGrantees } from './ensure-schema.js';
export { pooledTeardownCrashPoints } from './teardown.js';
export { poolDatabaseName, poolOwnerRole, sharedSchemaName, sharedTableName, tenantRowPolicyName } from './names.js';
export { rowSecurityTemplate, sharedTable } from './statements.js';
export type { EnsurePooledResult, PooledTeardownResult, PooledTenantSpec } from './types.js';
export { promotionCrashPoints, type PromotionSpec } from './promotion.js';
export type { TableTally, Verification } from './verify-copy.js';
