import assert from 'node:assert/strict';
import { LocalRateLimit } from './local.js';

describe('the per-replica rate limit', function () {
  it('lets a caller burst to the capacity, then refuses with when to retry', function () {
    const limit = new LocalRateLimit({ capacity: 3, refillPerSecond: 0.5, now: () => 0 });
    assert.deepEqual(
      [1, 2, 3].map(() => limit.takeNow('a').remaining),
      [2, 1, 0],
    );
    const refused = limit.takeNow('a');
    assert.equal(refused.allowed, false);
    assert.equal(refused.retryAfterSeconds, 2);
    assert.equal(refused.resetSeconds, 6);
  });

  it('keeps callers apart and refills over time', function () {
    let now = 0;
    const limit = new LocalRateLimit({ capacity: 1, refillPerSecond: 1, now: () => now });
    assert.ok(limit.takeNow('a').allowed);
    now = 500;
    assert.ok(!limit.takeNow('a').allowed);
    assert.ok(limit.takeNow('b').allowed);
    now = 1500;
    assert.ok(limit.takeNow('a').allowed);
  });

  it('forgets idle callers once there are many, and a forgotten caller starts full', function () {
    let now = 0;
    const limit = new LocalRateLimit({ capacity: 1, refillPerSecond: 0.001, idleMs: 1000, now: () => now });
    for (let i = 0; i < 1000; i++) limit.takeNow(`caller-${i}`);
    now = 2000;
    assert.ok(limit.takeNow('caller-0').allowed, 'caller-0 was forgotten, so its bucket is full again');
  });
});
