import assert from 'node:assert/strict';
import { decisionOf, rateLimitHeaders } from './decision.js';

const policy = { capacity: 60, refillPerSecond: 10 };

describe('the rate limit decision', function () {
  it('counts what is left from when the bucket is full again', function () {
    // One request from a full bucket: full again in 0.1 s, 59 left.
    assert.deepEqual(decisionOf(policy, true, 0.1), { allowed: true, limit: 60, remaining: 59, resetSeconds: 1, retryAfterSeconds: 0 });
    // The 60th request at once: full in 6 s, none left.
    assert.deepEqual(decisionOf(policy, true, 6), { allowed: true, limit: 60, remaining: 0, resetSeconds: 6, retryAfterSeconds: 0 });
  });

  it('tells a refused caller when one more request fits, never less than a second', function () {
    assert.deepEqual(decisionOf(policy, false, 6), { allowed: false, limit: 60, remaining: 0, resetSeconds: 6, retryAfterSeconds: 1 });
    const slow = { capacity: 2, refillPerSecond: 0.1 };
    // Both spent at once: full in 20 s; the next fits once 10 s have passed.
    assert.equal(decisionOf(slow, false, 20).retryAfterSeconds, 10);
    assert.equal(decisionOf(slow, false, 15).retryAfterSeconds, 5);
  });

  it('is not thrown off by microsecond rounding of the database clock', function () {
    assert.equal(decisionOf(policy, true, 5.9000001).remaining, 1);
    assert.equal(decisionOf(policy, true, 5.8999999).remaining, 1);
    assert.equal(decisionOf(policy, true, 2.0000001).resetSeconds, 2);
  });

  it('answers with the three fields of draft-06, and Retry-After only on a refusal', function () {
    assert.deepEqual(rateLimitHeaders(decisionOf(policy, true, 0.1)), {
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '59',
      'RateLimit-Reset': '1',
    });
    assert.deepEqual(rateLimitHeaders(decisionOf(policy, false, 6)), {
      'RateLimit-Limit': '60',
      'RateLimit-Remaining': '0',
      'RateLimit-Reset': '6',
      'Retry-After': '1',
    });
  });
});
