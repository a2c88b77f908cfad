/**
 * The shared limit without a PostgreSQL round trip on every request (decision 0064). A replica
 * takes a busy caller's tokens from the shared bucket a few at a time (`reserve`, all or none) and
 * spends them from memory; the next few are fetched in the background when half are gone, so a
 * steady caller's requests do not wait on the database at all. Every admitted request spends a
 * token taken from the shared bucket, so replicas together never admit more than it hands out.
 *
 * What batching costs, and its bounds:
 * - A batch is at most a twentieth of the capacity (1 to 100), sized to the caller's demand on this
 *   replica over the last second; a caller sending one request at a time, or one with a small
 *   bucket (capacity under 40), is served exactly as before, one round trip per request.
 * - Held tokens are usable for `holdMs` (1 s), then dropped, never given back. A replica holds at
 *   most 1.5 batches per caller: over any interval a caller may be admitted up to that many more
 *   than the shared bucket alone would (its bucket refilled while the tokens were held), and
 *   tokens held on one replica are not available on another until they expire.
 * - RateLimit-Remaining and -Reset of a request served from memory count from this replica's last
 *   answer from the database, so they miss what other replicas took since.
 */
import { decisionOf, type RateDecision, type RateLimitStore, type ReservingStore } from './decision.js';

export interface BatchedRateLimitOptions {
  /** The most tokens taken at once; default a twentieth of the capacity, 1 to 100. */
  maxBatch?: number;
  /** How long held tokens stay usable, and the window a caller's demand is counted over; default 1000 ms. */
  holdMs?: number;
  now?: () => number;
}

/** One caller's tokens held by this replica. */
interface Held {
  tokens: number;
  /** When the shared bucket is full again by this replica's last answer, counting held tokens as spent (local ms). */
  sharedFullAtMs: number;
  expiresAtMs: number;
  /** Requests in the current demand window and in the one before. */
  windowStartMs: number;
  seen: number;
  seenBefore: number;
  refill?: Promise<void>;
}

const forgetAbove = 1_000;

export class BatchedRateLimit implements RateLimitStore {
  private readonly callers = new Map<string, Held>();
  private readonly now: () => number;
  private readonly maxBatch: number;
  private readonly holdMs: number;
  private readonly intervalMs: number;

  constructor(
    private readonly shared: ReservingStore,
    options: BatchedRateLimitOptions = {},
  ) {
    const { capacity, refillPerSecond } = shared.policy;
    this.now = options.now ?? Date.now;
    this.maxBatch = Math.min(capacity, options.maxBatch ?? Math.max(1, Math.min(100, Math.floor(capacity / 20))));
    this.holdMs = options.holdMs ?? 1_000;
    this.intervalMs = 1000 / refillPerSecond;
  }

  async take(caller: string): Promise<RateDecision> {
    const held = this.heldFor(caller);
    if (!this.hasToken(held) && held.refill) await held.refill;
    if (this.hasToken(held)) return this.spend(caller, held);
    return this.reserveOne(caller, held);
  }

  /** Tokens this replica holds for `caller` now (for tests and the decision record). */
  heldTokens(caller: string): number {
    const held = this.callers.get(caller);
    return held && this.hasToken(held) ? held.tokens : 0;
  }

  private heldFor(caller: string): Held {
    const now = this.now();
    let held = this.callers.get(caller);
    if (!held) {
      if (this.callers.size >= forgetAbove) this.forgetIdle(now);
      held = { tokens: 0, sharedFullAtMs: now, expiresAtMs: now, windowStartMs: now, seen: 0, seenBefore: 0 };
      this.callers.set(caller, held);
    }
    if (now - held.windowStartMs >= this.holdMs) {
      held.seenBefore = now - held.windowStartMs < 2 * this.holdMs ? held.seen : 0;
      held.seen = 0;
      held.windowStartMs = now;
    }
    held.seen += 1;
    return held;
  }

  private hasToken(held: Held): boolean {
    if (held.tokens > 0 && this.now() >= held.expiresAtMs) held.tokens = 0;
    return held.tokens > 0;
  }

  private spend(caller: string, held: Held): RateDecision {
    held.tokens -= 1;
    const decision = this.decision(true, held);
    this.refillAhead(caller, held);
    return decision;
  }

  /** No token held: one round trip for this request alone, exactly as without batching. */
  private async reserveOne(caller: string, held: Held): Promise<RateDecision> {
    const answer = await this.shared.reserve(caller, 1);
    held.sharedFullAtMs = this.now() + answer.fullInSeconds * 1000;
    const decision = this.decision(answer.allowed, held);
    if (answer.allowed) this.refillAhead(caller, held);
    return decision;
  }

  /** From this replica's view of the shared bucket: held tokens count as still there. */
  private decision(allowed: boolean, held: Held): RateDecision {
    const fullInMs = held.sharedFullAtMs - held.tokens * this.intervalMs - this.now();
    return decisionOf(this.shared.policy, allowed, Math.max(0, fullInMs) / 1000);
  }

  /** Starts fetching the next batch when half the held tokens are gone and the caller is busy enough for one. */
  private refillAhead(caller: string, held: Held): void {
    const batch = this.batchFor(held);
    if (held.refill || batch < 2 || held.tokens > batch / 2) return;
    held.refill = this.shared.reserve(caller, batch).then(
      (answer) => {
        const now = this.now();
        held.sharedFullAtMs = now + answer.fullInSeconds * 1000;
        if (!answer.allowed) return;
        held.tokens = (this.hasToken(held) ? held.tokens : 0) + batch;
        held.expiresAtMs = now + this.holdMs;
      },
      // The next request without a held token asks the store itself, and meets the failure there.
      () => undefined,
    );
    void held.refill.finally(() => {
      held.refill = undefined;
    });
  }

  /** The caller's demand over the last window, no more than the shared bucket had left at the last answer. */
  private batchFor(held: Held): number {
    const left = Math.floor((this.shared.policy.capacity * this.intervalMs - (held.sharedFullAtMs - this.now())) / this.intervalMs);
    return Math.max(0, Math.min(this.maxBatch, Math.max(held.seen, held.seenBefore), left));
  }

  private forgetIdle(now: number): void {
    for (const [caller, held] of this.callers) {
      if (!held.refill && !this.hasToken(held) && now - held.windowStartMs >= 2 * this.holdMs) this.callers.delete(caller);
    }
  }
}
