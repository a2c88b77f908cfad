/**
 * Callers' buckets in this process's memory: what a replica enforces on its own when there is no
 * shared store (the audit trail is disabled) or while it is unreachable. N replicas then allow N
 * times the rate; enough to stop a runaway script, not a quota.
 */
import { TokenBucket } from '../../runtime/token-bucket.js';
import { decisionOf, type RateDecision, type RateLimitPolicy, type RateLimitStore } from './decision.js';

export interface LocalRateLimitOptions extends RateLimitPolicy {
  /** Buckets idle this long are forgotten once there are many, so memory stays bounded by active callers. */
  idleMs?: number;
  now?: () => number;
}

export class LocalRateLimit implements RateLimitStore {
  private readonly buckets = new Map<string, { bucket: TokenBucket; lastMs: number }>();
  private readonly now: () => number;

  constructor(private readonly options: LocalRateLimitOptions) {
    this.now = options.now ?? Date.now;
  }

  take(caller: string): Promise<RateDecision> {
    return Promise.resolve(this.takeNow(caller));
  }

  takeNow(caller: string): RateDecision {
    const nowMs = this.now();
    this.forgetIdle(nowMs);
    const entry = this.buckets.get(caller) ?? {
      bucket: new TokenBucket({ rate: this.options.refillPerSecond, burst: this.options.capacity, now: this.now }),
      lastMs: nowMs,
    };
    entry.lastMs = nowMs;
    this.buckets.set(caller, entry);
    const allowed = entry.bucket.tryTake();
    return decisionOf(this.options, allowed, entry.bucket.secondsUntilFull());
  }

  private forgetIdle(nowMs: number): void {
    const idleMs = this.options.idleMs ?? 10 * 60_000;
    if (this.buckets.size < 1000) return;
    for (const [caller, entry] of this.buckets) {
      if (nowMs - entry.lastMs > idleMs) this.buckets.delete(caller);
    }
  }
}
