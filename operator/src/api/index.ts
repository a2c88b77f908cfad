/**
 * The API layer: Tenant and TenantPlan as zod schemas and types, their conditions, the keys
 * Bulkhead writes onto objects, and the names it derives. Every other layer imports it from here.
 */
export * from './cidr.js';
export * from './conditions.js';
export * from './export-recipient.js';
export * from './labels.js';
export * from './names.js';
export * from './rollout.js';
export * from './tenant.js';
export * from './tenant-plan.js';
