/**
 * The shapes the database provider speaks in: the server it administers, the tenant database it
 * is asked for, and what each operation reports back. No Kubernetes types: the tenant controller
 * translates a Tenant and its plan into a TenantDatabaseSpec.
 */
import type { LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import type { ConnectionWaitMetrics } from '../../runtime/metrics.js';
import type { PooledDatabaseProvider } from './pooled/pooled-provider.js';

/** A PostgreSQL server and the admin credentials the operator manages tenants with. */
export interface DatabaseServer {
  host: string;
  port: number;
  /**
   * Must be able to create roles and databases and to read pg_authid (where SCRAM verifiers
   * live): in practice a superuser.
   */
  adminUser: string;
  adminPassword: string;
  /** The database the admin connects to; default `postgres`. */
  adminDatabase?: string;
}

/** One tenant's database and role, as derived from the Tenant and its plan. */
export interface TenantDatabaseSpec {
  /** The tenant's name, recorded on the database and role. */
  tenant: string;
  /** The tenant's UID: what makes a database this tenant's and not a former namesake's. */
  tenantUid: string;
  databaseName: string;
  roleName: string;
  /** The most concurrent connections the role may hold (-1 for no limit). */
  connectionLimit: number;
  /** The tenant is suspended: its role is NOLOGIN and its sessions are ended; nothing is dropped. */
  suspended?: boolean;
}

export interface DatabaseProviderOptions {
  logger: Logger;
  /** Where snapshotAndDrop writes its dumps; snapshotAndDrop refuses to run without it. */
  snapshotDir?: string;
  /** How long to wait for a connection to the server; default 5000. */
  connectionTimeoutMillis?: number;
  /** The statement_timeout of the admin sessions; default 30000. */
  statementTimeoutMillis?: number;
  /** How long pg_dump and pg_restore may take; default 30 minutes. */
  snapshotTimeoutMillis?: number;
  /**
   * The most connections to the server at once, at least 2: the admin pool gets all but one, the
   * sessions inside tenant databases (and pg_dump) the last (connection-slots.ts); default 4.
   */
  maxConnections?: number;
  /** Where waits for a connection under that bound are reported. */
  connectionWaits?: ConnectionWaitMetrics;
}

export interface EnsureDatabaseResult {
  created: { role: boolean; database: boolean };
  /** True when an existing role's password was changed to the one given (never on creation). */
  passwordChanged: boolean;
  /** Drift that was put back, in words ("role attributes", "database privileges", ...); empty when none. */
  repaired: string[];
}

/**
 * What became of each object: `done` (it was the tenant's and the operation was applied), `absent`
 * (nothing of that name), `foreign` (it belongs to another tenant and was left alone).
 */
export type ObjectOutcome = 'absent' | 'foreign' | 'done';

export interface RetainResult {
  /** `done`: the role can no longer log in and its sessions were ended. */
  role: ObjectOutcome;
  /** `done`: the database is kept with its data. */
  database: ObjectOutcome;
}

export interface SnapshotResult {
  /**
   * The verified dump. Undefined only when the database was already gone and no earlier snapshot
   * of it exists (it was dropped outside Bulkhead).
   */
  file: string | undefined;
}

/** The operations the tenant controller needs from a database server. */
export interface TenantDatabaseProvider {
  ensure(spec: TenantDatabaseSpec, password: string): Promise<EnsureDatabaseResult>;
  passwordMatches(roleName: string, password: string): Promise<boolean>;
  retain(spec: TenantDatabaseSpec): Promise<RetainResult>;
  snapshotAndDrop(spec: TenantDatabaseSpec, fence: LeadershipFence): Promise<SnapshotResult>;
  drop(spec: TenantDatabaseSpec, fence: LeadershipFence): Promise<void>;
  withSignal(signal: AbortSignal): TenantDatabaseProvider;
  /** The pooled tier on the same server and connections (docs/decisions/0043); absent in fakes that do not serve it. */
  pooled?(): PooledDatabaseProvider;
  close(): Promise<void>;
}
