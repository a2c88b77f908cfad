/**
 * How long a failed key waits before its retry, after client-go's workqueue rate limiters:
 * per-key exponential backoff combined with a global token bucket, the larger delay winning
 * (client-go's DefaultControllerRateLimiter).
 */
import { TokenBucket } from './token-bucket.js';

export interface RateLimiter {
  /** Records one more failure of `key` and returns how long it should wait, in ms. */
  when(key: string): number;
  /** Forgets the key's failures, after it succeeded. */
  forget(key: string): void;
  /** How many failures have been recorded for the key since it was last forgotten. */
  numRequeues(key: string): number;
}

export interface ExponentialOptions {
  /** Delay after the first failure; default 5 ms. */
  baseMs?: number;
  /** Cap; default 5 minutes (client-go uses 1000 s). */
  maxMs?: number;
}

/** base × 2^failures, capped: 5 ms, 10 ms, 20 ms, … */
export class ItemExponentialRateLimiter implements RateLimiter {
  private readonly baseMs: number;
  private readonly maxMs: number;
  private readonly failures = new Map<string, number>();

  constructor(options: ExponentialOptions = {}) {
    this.baseMs = options.baseMs ?? 5;
    this.maxMs = options.maxMs ?? 5 * 60_000;
  }

  when(key: string): number {
    const exponent = this.failures.get(key) ?? 0;
    this.failures.set(key, exponent + 1);
    return Math.min(this.maxMs, this.baseMs * 2 ** exponent);
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }
}

export interface TokenBucketOptions {
  /** Sustained retries per second across all keys; default 10. */
  qps?: number;
  /** Retries allowed at once before the rate applies; default 100. */
  burst?: number;
  /** Clock in ms; tests pass their own. */
  now?: () => number;
}

/**
 * A global limit on retries, like golang.org/x/time/rate's Reserve().Delay(): each call takes a
 * token, and when none is left the caller is told to wait until its token will have accrued.
 */
export class TokenBucketRateLimiter implements RateLimiter {
  private readonly bucket: TokenBucket;

  constructor(options: TokenBucketOptions = {}) {
    this.bucket = new TokenBucket({ rate: options.qps ?? 10, burst: options.burst ?? 100, now: options.now ?? Date.now });
  }

  when(_key: string): number {
    return this.bucket.reserve();
  }

  forget(_key: string): void {
    // The bucket is global; a key's success gives nothing back.
  }

  numRequeues(_key: string): number {
    return 0;
  }
}

/** Asks every limiter and waits for the longest; each one records the failure. */
export class MaxOfRateLimiter implements RateLimiter {
  private readonly limiters: RateLimiter[];

  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.when(key)));
  }

  forget(key: string): void {
    for (const limiter of this.limiters) limiter.forget(key);
  }

  numRequeues(key: string): number {
    return Math.max(0, ...this.limiters.map((limiter) => limiter.numRequeues(key)));
  }
}

export type ControllerRateLimiterOptions = ExponentialOptions & TokenBucketOptions;

/** client-go's DefaultControllerRateLimiter, with a 5-minute per-key cap by default. */
export function defaultControllerRateLimiter(options: ControllerRateLimiterOptions = {}): RateLimiter {
  return new MaxOfRateLimiter(new ItemExponentialRateLimiter(options), new TokenBucketRateLimiter(options));
}
