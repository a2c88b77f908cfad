/**
 * The shapes the data part of the audit adds to the shared model: the database login matrix (which
 * tenant's credentials open which tenant's database, per server) and the tenants it is about.
 */
import type { AuditCheck, InputObject } from '../model.js';
import type { LoginSample } from './login-sample.js';

/** A tenant as the data audit needs it: name, UID and region, and whether it is suspended. */
export interface AuditedTenant {
  name: string;
  uid: string;
  region: string;
  /** spec.suspended: its role may not log in and its key is disabled, by design (decision 0035). */
  suspended?: boolean;
  /** status.database.schema: a pooled tenant (decision 0043), audited by the pooled checks instead of the login matrix. */
  pooledSchema?: string;
}

/** One login attempt: `credentials` is the tenant whose role logged in, `database` the tenant whose database it tried. */
export interface DatabaseMatrixCell {
  credentials: string;
  database: string;
  /** allowed, refused (by the server), missing (no such database), unreachable, or unavailable (no credentials to try). */
  outcome: 'allowed' | 'refused' | 'missing' | 'unreachable' | 'unavailable';
  sqlState?: string;
  message?: string;
}

/** Every ordered pair of the tenants whose databases live on one server, including each tenant with itself. */
export interface DatabaseMatrix {
  /** `host:port` of the server. */
  server: string;
  /** The configured regions served by it. */
  regions: string[];
  tenants: string[];
  cells: DatabaseMatrixCell[];
}

export interface DataAuditPart {
  checks: AuditCheck[];
  inputs: InputObject[];
}

export interface DatabaseAuditResult extends DataAuditPart {
  matrices: DatabaseMatrix[];
  /** Per server, which cross-tenant logins were tried (all pairs, or a sample). */
  samples: (LoginSample & { server: string })[];
  /**
   * For the report's inventory: the tenant each database on the audited servers is for, by its
   * marker or name; null when a server could not be read. Retained databases (no login) are left
   * out: they are listed by the orphan check, and belong to no live tenant on purpose.
   */
  inventory: { databases: string[] | null };
}

export interface KeyAuditResult extends DataAuditPart {
  /** For the report's inventory: the tenant of every `alias/bulkhead/<tenant>` alias in the configured regions; null when a region could not be read. */
  inventory: { keyAliases: string[] | null };
}
