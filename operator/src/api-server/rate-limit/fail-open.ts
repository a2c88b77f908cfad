/**
 * The shared limit with its outage policy: when PostgreSQL does not answer (down, unreachable,
 * slower than the store's timeout, or a table this role may not write), the API keeps serving and
 * each replica limits its callers on its own until the store answers again (decision 0030). After a
 * failure the store is left alone for `retryMs`, so an outage costs one timeout per replica and
 * period, not one per request. The change of state is logged once each way, not per request.
 */
import type { Logger } from '../../runtime/logging.js';
import { errorFields } from '../../runtime/logging.js';
import type { RateDecision, RateLimitStore } from './decision.js';

export interface FailOpenOptions {
  shared: RateLimitStore;
  /** Enforced while the shared store is unavailable. */
  local: RateLimitStore;
  logger: Logger;
  /** How long to use the local limit after a failure before asking the shared store again; default 5000 ms. */
  retryMs?: number;
  now?: () => number;
}

export class FailOpenRateLimit implements RateLimitStore {
  private readonly now: () => number;
  private unavailableUntilMs: number | undefined;

  constructor(private readonly options: FailOpenOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Whether the last look found the shared store unavailable. */
  get degraded(): boolean {
    return this.unavailableUntilMs !== undefined;
  }

  async take(caller: string): Promise<RateDecision> {
    if (this.unavailableUntilMs !== undefined && this.now() < this.unavailableUntilMs) return this.options.local.take(caller);
    try {
      const decision = await this.options.shared.take(caller);
      if (this.unavailableUntilMs !== undefined)
        this.options.logger.info('Rate limit store available again: the limit holds across replicas');
      this.unavailableUntilMs = undefined;
      return decision;
    } catch (error) {
      if (this.unavailableUntilMs === undefined) {
        this.options.logger.warn('Rate limit store unavailable: each replica limits its callers on its own', errorFields(error));
      }
      this.unavailableUntilMs = this.now() + (this.options.retryMs ?? 5_000);
      return this.options.local.take(caller);
    }
  }
}
