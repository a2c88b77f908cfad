import assert from 'node:assert/strict';
import { RateLimiter } from './rate-limit.js';

describe('the per-caller rate limiter', function () {
  it('allows a burst up to capacity, then refuses with a Retry-After', function () {
    const limiter = new RateLimiter({ capacity: 3, refillPerSecond: 0.5 });
    for (let i = 0; i < 3; i++) assert.ok(limiter.take('a', 0).allowed);
    const refused = limiter.take('a', 0);
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSeconds, 2);
  });

  it('refills over time and keeps callers apart', function () {
    const limiter = new RateLimiter({ capacity: 1, refillPerSecond: 1 });
    assert.ok(limiter.take('a', 0).allowed);
    assert.ok(!limiter.take('a', 500).allowed);
    assert.ok(limiter.take('b', 500).allowed);
    assert.ok(limiter.take('a', 1500).allowed);
  });
});
