/**
 * A pacer: one token bucket per kind of request, shared by every caller of one provider, so that
 * all workers together stay within a budget of requests per second. Reservations queue in time
 * (golang.org/x/time/rate's Reserve), so waiting callers go one after another at the budget's
 * spacing. A caller whose turn is further away than `maxWaitMs` is refused with PacerBusy and its
 * delay, instead of holding a worker that long. When the provider says "too fast" anyway (another
 * client shares the quota), throttled() halves that kind's rate, sends every waiter back to the
 * end of the new, slower queue, and the rate climbs back to the budget over `recoveryMs`
 * (additive increase, multiplicative decrease, as TCP does). Time comes from `now` and `sleep`,
 * so tests need no real clock.
 */
import { TokenBucket } from './token-bucket.js';

/** What a pacer reports; see runtime/metrics.ts for the Prometheus side. */
export interface PacerMetrics {
  /** A caller waited `seconds` for its turn (0 when it went at once). */
  observeWait(kind: string, seconds: number): void;
  /** A caller was refused because its turn was too far away. */
  refused(kind: string): void;
  /** The provider throttled a request of this kind. */
  throttled(kind: string): void;
  /** The kind's current rate, after a slow-down or during recovery. */
  setRate(kind: string, perSecond: number): void;
}

export const noopPacerMetrics: PacerMetrics = {
  observeWait: () => undefined,
  refused: () => undefined,
  throttled: () => undefined,
  setRate: () => undefined,
};

export interface PacerOptions {
  /** Requests per second for each kind; a kind not listed is not paced. */
  budgets: Readonly<Record<string, number>>;
  /** Requests of one kind that may go at once before the rate applies; default 1 (evenly spaced). */
  burst?: number;
  /** The longest a caller waits for its turn before it is refused; default 5000. */
  maxWaitMs?: number;
  /** The rate is multiplied by this after a throttle; default 0.5. */
  slowdown?: number;
  /** How long the rate takes to climb from its floor back to the budget; default 30000. */
  recoveryMs?: number;
  metrics?: PacerMetrics;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** The rate never falls below this share of the budget, so a tenant is never starved for good. */
export const floorShareOfBudget = 0.1;

/** The caller's turn is further away than the pacer lets anyone wait: try again after `retryAfterMs`. */
export class PacerBusy extends Error {
  constructor(
    readonly kind: string,
    readonly retryAfterMs: number,
  ) {
    super(`${kind}: the request budget is spent for the next ${(retryAfterMs / 1000).toFixed(1)} s`);
    this.name = 'PacerBusy';
  }
}

interface Bucket {
  budget: number;
  /** Its rate is the kind's current rate, the budget or less after a throttle. */
  tokens: TokenBucket;
  /** Bumped by every throttle: a waiter of an older generation queues again. */
  generation: number;
}

/** What a caller needs of a pacer: a turn, a throttle reported, the budget named in messages. */
export interface Turns {
  acquire(kind: string, signal?: AbortSignal): Promise<void>;
  /** Returns how long until the next turn at the slower rate, as far as this side knows. */
  throttled(kind: string): number;
  budget(kind: string): number | undefined;
}

export class Pacer implements Turns {
  private readonly buckets = new Map<string, Bucket>();
  private readonly maxWaitMs: number;
  private readonly slowdown: number;
  private readonly recoveryMs: number;
  private readonly metrics: PacerMetrics;
  private readonly now: () => number;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;

  constructor(options: PacerOptions) {
    this.maxWaitMs = options.maxWaitMs ?? 5_000;
    this.slowdown = options.slowdown ?? 0.5;
    this.recoveryMs = options.recoveryMs ?? 30_000;
    this.metrics = options.metrics ?? noopPacerMetrics;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? sleepUnlessAborted;
    for (const [kind, budget] of Object.entries(options.budgets)) {
      this.buckets.set(kind, {
        budget,
        tokens: new TokenBucket({ rate: budget, burst: options.burst ?? 1, now: this.now }),
        generation: 0,
      });
      this.metrics.setRate(kind, budget);
    }
  }

  /** The kind's configured budget in requests per second; undefined when the kind is not paced. */
  budget(kind: string): number | undefined {
    return this.buckets.get(kind)?.budget;
  }

  /** The kind's current rate in requests per second; undefined when the kind is not paced. */
  rate(kind: string): number | undefined {
    const bucket = this.buckets.get(kind);
    if (bucket) this.refill(kind, bucket);
    return bucket?.tokens.rate;
  }

  /**
   * Waits for the caller's turn to send one request of `kind`. Throws PacerBusy, without taking a
   * turn, when that turn is more than maxWaitMs away; rethrows the signal's reason if it aborts.
   */
  async acquire(kind: string, signal?: AbortSignal): Promise<void> {
    const bucket = this.buckets.get(kind);
    if (bucket === undefined) return;
    const started = this.now();
    for (;;) {
      signal?.throwIfAborted();
      const { delayMs, generation } = this.reserve(kind, bucket);
      try {
        if (delayMs > 0) await this.sleep(delayMs, signal);
      } catch (error) {
        this.giveBack(bucket, generation);
        throw error;
      }
      // A throttle while this caller slept sent everyone to the back of a slower queue.
      if (generation === bucket.generation) break;
    }
    this.metrics.observeWait(kind, (this.now() - started) / 1000);
  }

  /**
   * The provider refused a request of `kind` as too fast: slow the kind down and cancel every
   * reservation made at the old rate. Returns how long until the next turn at the new rate.
   */
  throttled(kind: string): number {
    const bucket = this.buckets.get(kind);
    if (bucket === undefined) return 0;
    this.refill(kind, bucket);
    bucket.tokens.rate = Math.max(bucket.budget * floorShareOfBudget, bucket.tokens.rate * this.slowdown);
    // Nothing left over, nothing owed: the waiters queue again at the new rate.
    bucket.tokens.empty();
    bucket.generation += 1;
    this.metrics.throttled(kind);
    this.metrics.setRate(kind, bucket.tokens.rate);
    return this.delayFor(bucket);
  }

  /** How long a caller arriving now would wait for its turn (0 when it may go at once). */
  delay(kind: string): number {
    const bucket = this.buckets.get(kind);
    if (bucket === undefined) return 0;
    this.refill(kind, bucket);
    return this.delayFor(bucket);
  }

  private reserve(kind: string, bucket: Bucket): { delayMs: number; generation: number } {
    this.refill(kind, bucket);
    const delayMs = this.delayFor(bucket);
    if (delayMs > this.maxWaitMs) {
      this.metrics.refused(kind);
      throw new PacerBusy(kind, delayMs);
    }
    bucket.tokens.take();
    return { delayMs, generation: bucket.generation };
  }

  /** A reservation given up before its turn came returns its token, unless a throttle cancelled it already. */
  private giveBack(bucket: Bucket, generation: number): void {
    if (generation === bucket.generation) bucket.tokens.giveBack();
  }

  private delayFor(bucket: Bucket): number {
    return Math.ceil(bucket.tokens.delay());
  }

  /** Accrues tokens at the rate for the time since the last look, and lets a slowed rate climb back. */
  private refill(kind: string, bucket: Bucket): void {
    const elapsed = bucket.tokens.refill();
    const { rate } = bucket.tokens;
    if (rate < bucket.budget) {
      bucket.tokens.rate = Math.min(bucket.budget, rate + bucket.budget * (1 - floorShareOfBudget) * (elapsed / this.recoveryMs));
      this.metrics.setRate(kind, bucket.tokens.rate);
    }
  }
}

/** setTimeout as a promise that rejects with the signal's reason when it aborts. */
export function sleepUnlessAborted(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason as Error);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
