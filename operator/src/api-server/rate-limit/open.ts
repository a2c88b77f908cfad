/**
 * Which store the API's rate limit uses: with a database (the audit trail's), the shared table,
 * falling back per replica while it is unavailable; without one, or when the table is missing and
 * this role may not create it (an upgrade before `bulkhead audit-trail init` ran again), the
 * per-replica limit, said once in the log at start. A busy caller's tokens are taken from the
 * shared table a few at a time (batched.ts, decision 0064).
 */
import type { Logger } from '../../runtime/logging.js';
import { errorFields } from '../../runtime/logging.js';
import type { RateLimitPolicy, RateLimitStore } from './decision.js';
import { BatchedRateLimit } from './batched.js';
import { FailOpenRateLimit } from './fail-open.js';
import { LocalRateLimit } from './local.js';
import { PgRateLimit } from './postgres.js';

export interface OpenedRateLimit {
  store: RateLimitStore;
  close(): Promise<void>;
}

export async function openRateLimit(policy: RateLimitPolicy, url: string | undefined, logger: Logger): Promise<OpenedRateLimit> {
  const local = new LocalRateLimit(policy);
  if (!url) {
    logger.warn('Rate limit kept per replica: there is no audit trail database to share it through');
    return { store: local, close: () => Promise.resolve() };
  }
  const shared = new PgRateLimit({ ...policy, url }, (error) => logger.warn('Rate limit connection failed while idle', errorFields(error)));
  try {
    const table = await shared.ensureTable();
    logger.info(table === 'created' ? 'Created the rate limit table' : 'Rate limit shared across replicas');
  } catch (error) {
    await shared.close();
    logger.warn('Rate limit kept per replica: the shared table cannot be used', errorFields(error));
    return { store: local, close: () => Promise.resolve() };
  }
  return { store: new FailOpenRateLimit({ shared: new BatchedRateLimit(shared), local, logger }), close: () => shared.close() };
}
