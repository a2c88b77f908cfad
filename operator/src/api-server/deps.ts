/** What createApp needs from the outside, so a test can pass real stores and a fixed clock. */
import type { Logger } from '../runtime/logging.js';
import type { AuditTrail } from './audit-trail/store.js';
import type { Authenticators } from './auth.js';
import type { InFlightRequests } from './idempotency.js';
import type { ApiMetrics } from './metrics.js';
import type { RateLimitStore } from './rate-limit/decision.js';
import type { RestoreStore } from './restore-store.js';
import type { TenantStore } from './tenant-store.js';
import type { TenantCells } from './cells/routing.js';
import type { FleetAuditReport } from '../audit/fleet/schema.js';

export interface AppDeps {
  tenants: TenantStore;
  /** TenantRestores, created and read by the restore routes. */
  restores: RestoreStore;
  auth: Authenticators;
  logger: Logger;
  /**
   * Where every mutating call is recorded before it acts; null only when the configuration says
   * `auditTrail: {disabled: true}`. Required, so no caller can forget it.
   */
  auditTrail: AuditTrail | null;
  clock?: () => Date;
  /** Callers' buckets; absent: kept in this process (rate-limit/local.ts) at 60, then 10 a second. */
  rateLimit?: RateLimitStore;
  /** Kept by the app when absent; passed in by tests that want to look at it. */
  inFlight?: InFlightRequests;
  /** The latest signed isolation audit report the operator published; absent: the route answers 404. */
  auditReports?: { latest(): Promise<Buffer | undefined> };
  /** Where request durations are counted; none when absent. */
  metrics?: ApiMetrics;
  /** The cell registry (docs/cells.md); absent: every Tenant lives in `tenants`, the local cluster. */
  cells?: TenantCells;
  /** Every cell's latest signed audit report, merged (cells/fleet-reports.ts); absent with no cell registry: 404. */
  fleetReports?: { read(): Promise<FleetAuditReport> };
}

/** The store holding the tenant `name`: its cell's when cells are in use, else the local cluster's. */
export function tenantStoreFor(deps: AppDeps, name: string): Promise<TenantStore> {
  return deps.cells ? deps.cells.storeFor(name) : Promise.resolve(deps.tenants);
}

/** Where the TenantRestores of the tenant `name` are made and read: its cell's cluster, else the local one. */
export async function restoreStoreFor(deps: AppDeps, name: string): Promise<RestoreStore> {
  return (await deps.cells?.restoreStoreFor(name)) ?? deps.restores;
}

/** Where Tenants live in this API; Location headers and summaries' links point here. */
export const tenantsPath = '/v1/tenants';
