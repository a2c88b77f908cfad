import assert from 'node:assert/strict';
import { Backoff, sleep } from './backoff.js';

describe('Backoff', () => {
  it('doubles from the initial delay up to the cap and starts over on reset', () => {
    const backoff = new Backoff({ initialMs: 200, maxMs: 1000, random: () => 0 });
    assert.deepEqual([backoff.next(), backoff.next(), backoff.next(), backoff.next()], [200, 400, 800, 1000]);
    backoff.reset();
    assert.equal(backoff.next(), 200);
  });

  it('jitters each delay downwards by at most the jitter fraction', () => {
    const backoff = new Backoff({ initialMs: 200, jitter: 0.5, random: () => 0.999 });
    assert.ok(backoff.next() > 100);
  });

  it('wakes a sleep early when its signal aborts', async () => {
    const controller = new AbortController();
    const slept = sleep(60_000, controller.signal);
    controller.abort();
    await slept;
  });
});
