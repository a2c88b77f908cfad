/** What createApp needs from the outside, so a test can pass real stores and a fixed clock. */
import type { Logger } from '../runtime/logging.js';
import type { Authenticators } from './auth.js';
import type { InFlightRequests } from './idempotency.js';
import type { RateLimiter } from './rate-limit.js';
import type { TenantStore } from './tenant-store.js';

export interface AppDeps {
  tenants: TenantStore;
  auth: Authenticators;
  logger: Logger;
  clock?: () => Date;
  rateLimiter?: RateLimiter;
  /** Kept by the app when absent; passed in by tests that want to look at it. */
  inFlight?: InFlightRequests;
}

/** Where Tenants live in this API; Location headers and summaries' links point here. */
export const tenantsPath = '/v1/tenants';
