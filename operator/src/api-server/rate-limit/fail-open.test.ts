import assert from 'node:assert/strict';
import { createLogger } from '../../runtime/logging.js';
import { decisionOf, type RateDecision, type RateLimitStore } from './decision.js';
import { FailOpenRateLimit } from './fail-open.js';
import { LocalRateLimit } from './local.js';

class FlakyStore implements RateLimitStore {
  down = false;
  calls = 0;

  take(): Promise<RateDecision> {
    this.calls += 1;
    if (this.down) return Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    return Promise.resolve(decisionOf({ capacity: 100, refillPerSecond: 1 }, true, 1));
  }
}

function setup(): { shared: FlakyStore; limit: FailOpenRateLimit; advance: (ms: number) => void } {
  let now = 0;
  const shared = new FlakyStore();
  const local = new LocalRateLimit({ capacity: 2, refillPerSecond: 0.001, now: () => now });
  const limit = new FailOpenRateLimit({ shared, local, logger: createLogger({ silent: true }), retryMs: 5000, now: () => now });
  return {
    shared,
    limit,
    advance: (ms) => {
      now += ms;
    },
  };
}

describe('the shared rate limit while PostgreSQL is down', function () {
  it('keeps serving, limited per replica, instead of refusing every caller', async function () {
    const { shared, limit } = setup();
    shared.down = true;
    const decisions = [await limit.take('a'), await limit.take('a'), await limit.take('a')];
    assert.deepEqual(
      decisions.map((decision) => decision.allowed),
      [true, true, false],
    );
    assert.equal(decisions[2]?.limit, 2, 'the local bucket answered');
    assert.ok(limit.degraded);
  });

  it('asks the store once per retry period, not once per request, and goes back to it when it answers', async function () {
    const { shared, limit, advance } = setup();
    shared.down = true;
    for (let i = 0; i < 5; i++) await limit.take(`caller-${i}`);
    assert.equal(shared.calls, 1);
    shared.down = false;
    advance(4999);
    await limit.take('b');
    assert.equal(shared.calls, 1);
    advance(1);
    assert.equal((await limit.take('b')).limit, 100, 'the shared store answered again');
    assert.equal(shared.calls, 2);
    assert.ok(!limit.degraded);
  });
});
