/**
 * Checks a TenantDatabaseSpec before any statement is built from it, so a bad spec fails with one
 * clear DatabaseSpecInvalid instead of half-way through a reconcile.
 */
import { DatabaseSpecInvalid } from './errors.js';
import { assertValidIdentifier } from './sql-quoting.js';
import type { TenantDatabaseSpec } from './types.js';

export function assertValidSpec(spec: TenantDatabaseSpec): void {
  if (spec.tenant.length === 0) throw new DatabaseSpecInvalid('the tenant name must not be empty');
  if (spec.tenantUid.length === 0) throw new DatabaseSpecInvalid(`tenant ${JSON.stringify(spec.tenant)} has no UID`);
  assertValidIdentifier(spec.databaseName, 'the database name');
  assertValidIdentifier(spec.roleName, 'the role name');
  assertValidConnectionLimit(spec.connectionLimit);
}

/** A number goes into SQL only once it is known to be a plain integer. */
export function assertValidConnectionLimit(limit: number): void {
  if (!Number.isSafeInteger(limit) || limit === 0 || limit < -1) {
    throw new DatabaseSpecInvalid(`the connection limit must be a whole number of at least 1 (or -1 for none), not ${limit}`);
  }
}
