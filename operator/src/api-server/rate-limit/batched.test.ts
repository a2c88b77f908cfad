import assert from 'node:assert/strict';
import { setImmediate as turn } from 'node:timers/promises';
import { BatchedRateLimit } from './batched.js';
import type { RateLimitPolicy, Reservation, ReservingStore } from './decision.js';

/** The shared bucket's arithmetic (postgres.ts's statement, GCRA with a cost of count·T), in memory, counting round trips. */
class CountingBucket implements ReservingStore {
  readonly reservations: number[] = [];
  private readonly fullAtMs = new Map<string, number>();
  down = false;

  constructor(
    readonly policy: RateLimitPolicy,
    private readonly now: () => number,
  ) {}

  reserve(caller: string, count: number): Promise<Reservation> {
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    this.reservations.push(count);
    const intervalMs = 1000 / this.policy.refillPerSecond;
    const next = Math.max(this.fullAtMs.get(caller) ?? 0, this.now()) + count * intervalMs;
    const allowed = next <= this.now() + this.policy.capacity * intervalMs + 1e-9;
    if (allowed) {
      this.fullAtMs.set(caller, next);
      this.handedOut += count;
    }
    const fullAtMs = this.fullAtMs.get(caller) ?? 0;
    return Promise.resolve({ allowed, fullInSeconds: Math.max(0, fullAtMs - this.now()) / 1000 });
  }

  /** Tokens taken from the shared bucket so far. */
  handedOut = 0;
}

function setup(policy: RateLimitPolicy, holdMs = 1000) {
  let now = 1_000_000;
  const shared = new CountingBucket(policy, () => now);
  const limit = new BatchedRateLimit(shared, { holdMs, now: () => now });
  return {
    shared,
    limit,
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** `count` requests one after another, each given the turn of the event loop a background refill needs. */
async function sequential(limit: BatchedRateLimit, count: number, caller = 'a') {
  const decisions = [];
  for (let i = 0; i < count; i++) {
    decisions.push(await limit.take(caller));
    await turn();
  }
  return decisions;
}

describe('the shared rate limit taken in batches', function () {
  it('answers exactly as one round trip per request would for a small bucket: never holds a token', async function () {
    const { shared, limit } = setup({ capacity: 4, refillPerSecond: 0.01 });
    const decisions = await sequential(limit, 6);
    assert.deepEqual(
      decisions.map((decision) => [decision.allowed, decision.remaining]),
      [
        [true, 3],
        [true, 2],
        [true, 1],
        [true, 0],
        [false, 0],
        [false, 0],
      ],
    );
    assert.deepEqual(shared.reservations, [1, 1, 1, 1, 1, 1]);
  });

  it('serves a busy caller from held tokens with a round trip per batch, and admits exactly the capacity', async function () {
    const { shared, limit } = setup({ capacity: 1000, refillPerSecond: 0.001 });
    const decisions = await sequential(limit, 1000);
    assert.ok(shared.reservations.length < 100, `${shared.reservations.length} round trips for 1000 requests`);
    decisions.push(...(await sequential(limit, 200)));
    assert.equal(decisions.filter((decision) => decision.allowed).length, 1000);
    assert.ok(Math.max(...shared.reservations) <= 50, 'a batch is at most a twentieth of the capacity');
    // Held tokens count as the caller's: Remaining falls by one per request as if each went to the database.
    assert.deepEqual(
      decisions.slice(0, 1000).map((decision) => decision.remaining),
      Array.from({ length: 1000 }, (_, index) => 999 - index),
    );
  });

  it('never admits more than the shared bucket handed out, however many requests race', async function () {
    const { shared, limit } = setup({ capacity: 400, refillPerSecond: 0.001 });
    await sequential(limit, 30); // busy enough for batches
    const racing = await Promise.all(Array.from({ length: 800 }, () => limit.take('a')));
    const admitted = 30 + racing.filter((decision) => decision.allowed).length;
    assert.ok(admitted <= 400, `${admitted} admitted`);
    assert.ok(admitted <= shared.handedOut, `${admitted} admitted, ${shared.handedOut} handed out`);
    assert.ok(admitted >= 400 - 30, `${admitted} admitted: no more than 1.5 batches (of 20) stranded`);
  });

  it('drops held tokens once they are older than the hold time, and starts over one at a time', async function () {
    const { shared, limit, advance } = setup({ capacity: 1000, refillPerSecond: 1 });
    await sequential(limit, 40);
    assert.ok(limit.heldTokens('a') > 0, 'a busy caller holds tokens');
    advance(1000);
    assert.equal(limit.heldTokens('a'), 0);
    advance(2000);
    const before = shared.reservations.length;
    assert.ok((await limit.take('a')).allowed);
    assert.deepEqual(shared.reservations.slice(before), [1], 'an idle caller is served one round trip at a time again');
  });

  it('lets the store failure through when no token is held, so the fail-open limit takes over', async function () {
    const { shared, limit } = setup({ capacity: 1000, refillPerSecond: 1 });
    shared.down = true;
    await assert.rejects(limit.take('a'), /ECONNREFUSED/);
  });

  it('keeps callers apart', async function () {
    const { limit } = setup({ capacity: 2, refillPerSecond: 0.001 });
    await sequential(limit, 2, 'a');
    assert.equal((await limit.take('a')).allowed, false);
    assert.equal((await limit.take('b')).allowed, true);
  });
});
