/**
 * The data part of `bulkhead audit`: each tenant's database (the login matrix with every tenant's
 * own credentials, the catalog's ACLs, role attributes and memberships, ownership markers, and
 * orphans per server) and its KMS key (state, rotation, tags, alias, exclusivity, policy, and an
 * encryption-context probe), and the tenants deleted with deletionPolicy Export (their signed export
 * manifest and their key pending deletion).
 */
export { auditDatabases, type DatabaseAuditRequest } from './database-audit.js';
export { auditKeys, type KeyAuditRequest } from './key-audit.js';
export { auditOffboarding, type OffboardingAuditRequest } from './offboarding-audit.js';
export { policyEnforcementNote } from './key-policy-checks.js';
export type { AuditedTenant, DataAuditPart, DatabaseAuditResult, DatabaseMatrix, DatabaseMatrixCell, KeyAuditResult } from './model.js';
