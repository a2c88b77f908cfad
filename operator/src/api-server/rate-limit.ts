/**
 * A token bucket per caller, in memory: each caller may burst up to `capacity` requests and then
 * `refillPerSecond`. Per process, so N replicas allow N times the rate; good enough to stop a
 * runaway script, not a quota system.
 */
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** Buckets idle this long are forgotten, so memory stays bounded by active callers. */
  idleMs?: number;
}

export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

interface Bucket { tokens: number; updatedMs: number }

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly options: RateLimitOptions) {}

  take(caller: string, nowMs: number): RateDecision {
    const bucket = this.refill(caller, nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, retryAfterSeconds: 0 };
    }
    const seconds = (1 - bucket.tokens) / this.options.refillPerSecond;
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds)) };
  }

  private refill(caller: string, nowMs: number): Bucket {
    this.forgetIdle(nowMs);
    const bucket = this.buckets.get(caller) ?? { tokens: this.options.capacity, updatedMs: nowMs };
    const elapsed = Math.max(0, nowMs - bucket.updatedMs) / 1000;
    bucket.tokens = Math.min(this.options.capacity, bucket.tokens + elapsed * this.options.refillPerSecond);
    bucket.updatedMs = nowMs;
    this.buckets.set(caller, bucket);
    return bucket;
  }

  private forgetIdle(nowMs: number): void {
    const idleMs = this.options.idleMs ?? 10 * 60_000;
    if (this.buckets.size < 1000) return;
    for (const [caller, bucket] of this.buckets) {
      if (nowMs - bucket.updatedMs > idleMs) this.buckets.delete(caller);
    }
  }
}
