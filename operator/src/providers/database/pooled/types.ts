/**
 * The shapes the pooled database provider speaks in. A pooled tenant is a TenantDatabaseSpec whose
 * databaseName is its server's pool database, plus the schema that is its own inside it.
 */
import type { TenantDatabaseSpec } from '../types.js';

export interface PooledTenantSpec extends TenantDatabaseSpec {
  /** The tenant's schema in the pool database (its role's search_path). */
  schemaName: string;
}

export interface EnsurePooledResult {
  created: { role: boolean; schema: boolean; pool: boolean };
  passwordChanged: boolean;
  /** Drift that was put back, in words ("schema privileges", "search_path", ...); empty when none. */
  repaired: string[];
}

/** What became of each of a deleted pooled tenant's objects (see ObjectOutcome). */
export interface PooledTeardownResult {
  role: 'absent' | 'foreign' | 'done';
  schema: 'absent' | 'foreign' | 'done';
}
