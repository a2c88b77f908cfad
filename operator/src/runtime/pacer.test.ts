import assert from 'node:assert/strict';
import { floorShareOfBudget, Pacer, PacerBusy, type PacerOptions } from './pacer.js';

/**
 * A clock that moves only when a caller sleeps: each sleep is recorded and advances time to its
 * end, so "when did each request go" is exact and nothing depends on the machine's speed.
 */
class FakeClock {
  time = 1_000_000;
  readonly now = (): number => this.time;
  readonly sleep = (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    this.time += ms;
    return Promise.resolve();
  };
}

function pacer(clock: FakeClock, options: Partial<PacerOptions> = {}): Pacer {
  return new Pacer({ budgets: { CreateKey: 5, CreateAlias: 5 }, now: clock.now, sleep: clock.sleep, ...options });
}

/** Sends `count` requests one after another and returns when each went, relative to the first. */
async function sendTimes(clock: FakeClock, paced: Pacer, kind: string, count: number): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < count; i++) {
    await paced.acquire(kind);
    times.push(clock.time);
  }
  return times.map((time) => time - (times[0] ?? 0));
}

/** The most requests in any window of `windowMs` (sliding), given their send times. */
function mostInAnyWindow(times: number[], windowMs: number): number {
  return Math.max(...times.map((start) => times.filter((t) => t >= start && t < start + windowMs).length));
}

describe('Pacer', () => {
  it('spaces requests of one kind at the budget, so no one-second window holds more than the budget', async () => {
    const clock = new FakeClock();
    const times = await sendTimes(clock, pacer(clock, { maxWaitMs: 60_000 }), 'CreateKey', 20);
    assert.deepEqual(times.slice(0, 6), [0, 200, 400, 600, 800, 1000]);
    assert.equal(mostInAnyWindow(times, 1000), 5);
  });

  it('queues concurrent callers one after another instead of letting them all go at once', async () => {
    const clock = new FakeClock();
    const sleeps: number[] = [];
    // Sleeps that do not move the clock: every caller reserves at the same instant.
    const paced = pacer(clock, {
      maxWaitMs: 60_000,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    await Promise.all(Array.from({ length: 5 }, () => paced.acquire('CreateKey')));
    assert.deepEqual(sleeps, [200, 400, 600, 800]);
  });

  it("keeps kinds apart: one kind's queue does not delay another", async () => {
    const clock = new FakeClock();
    const paced = pacer(clock, { maxWaitMs: 60_000 });
    await sendTimes(clock, paced, 'CreateKey', 3);
    assert.equal(paced.delay('CreateAlias'), 0);
    assert.ok(paced.delay('CreateKey') > 0);
  });

  it('lets a kind without a budget through at once', async () => {
    const clock = new FakeClock();
    const paced = pacer(clock);
    const times = await sendTimes(clock, paced, 'Encrypt', 50);
    assert.equal(times.at(-1), 0);
  });

  it('refuses a caller whose turn is further than maxWaitMs, without taking a turn, and says how long to wait', async () => {
    const clock = new FakeClock();
    const sleeps: number[] = [];
    const paced = pacer(clock, {
      maxWaitMs: 1_000,
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
    });
    const results = await Promise.allSettled(Array.from({ length: 10 }, () => paced.acquire('CreateKey')));
    const refused = results.flatMap((r): unknown[] => (r.status === 'rejected' ? [r.reason as unknown] : []));
    // Turns at 0, 200, ..., 1000 ms fit in the wait; the rest are refused.
    assert.equal(results.length - refused.length, 6);
    assert.ok(refused.every((error) => error instanceof PacerBusy && error.retryAfterMs > 1_000));
    // Refused callers took no turn: the next caller is only behind the six that were admitted.
    assert.equal(paced.delay('CreateKey'), 1_200);
  });

  it('halves the rate of a throttled kind, and only that kind', async () => {
    const clock = new FakeClock();
    const paced = pacer(clock, { maxWaitMs: 60_000 });
    await paced.acquire('CreateKey');
    const retryAfterMs = paced.throttled('CreateKey');
    assert.equal(paced.rate('CreateKey'), 2.5);
    assert.equal(retryAfterMs, 400);
    assert.equal(paced.rate('CreateAlias'), 5);
    const times = await sendTimes(clock, paced, 'CreateKey', 3);
    // Right after the throttle the spacing is 1/2.5 s, climbing back slowly.
    assert.ok((times[1] ?? 0) >= 380, `spacing after a throttle: ${times.join(', ')}`);
  });

  it('never slows below its floor however often it is throttled, and climbs back to the budget', () => {
    const clock = new FakeClock();
    const paced = pacer(clock, { recoveryMs: 30_000 });
    for (let i = 0; i < 20; i++) paced.throttled('CreateKey');
    assert.equal(paced.rate('CreateKey'), 5 * floorShareOfBudget);
    clock.time += 15_000;
    const halfway = paced.rate('CreateKey') ?? 0;
    assert.ok(halfway > 2.5 && halfway < 3, `rate halfway through recovery: ${halfway}`);
    clock.time += 15_000;
    assert.equal(paced.rate('CreateKey'), 5);
    clock.time += 60_000;
    assert.equal(paced.rate('CreateKey'), 5);
  });

  it('sends callers already waiting to the back of the slower queue when a throttle comes in', async () => {
    const clock = new FakeClock();
    let release: (() => void) | undefined;
    const sleeps: number[] = [];
    // The first sleep blocks until released, so a throttle can arrive while the caller waits.
    const sleep = (ms: number): Promise<void> => {
      sleeps.push(ms);
      if (sleeps.length === 1)
        return new Promise<void>(
          (resolve) =>
            (release = () => {
              clock.time += ms;
              resolve();
            }),
        );
      clock.time += ms;
      return Promise.resolve();
    };
    const paced = pacer(clock, { maxWaitMs: 60_000, sleep });
    await paced.acquire('CreateKey'); // the token there was
    const waiting = paced.acquire('CreateKey'); // its turn is 200 ms away
    await Promise.resolve();
    paced.throttled('CreateKey');
    release?.();
    await waiting;
    // It slept its 200 ms, then queued again behind the throttle at 2.5/s (about 400 ms less the 200 ms accrued).
    assert.equal(sleeps.length, 2);
    assert.ok((sleeps[1] ?? 0) > 0, `second sleep: ${sleeps.join(', ')}`);
  });

  it('gives a turn back when its caller is aborted while waiting', async () => {
    const clock = new FakeClock();
    const controller = new AbortController();
    const sleep = (_ms: number, signal?: AbortSignal): Promise<void> =>
      new Promise((_resolve, reject) => signal?.addEventListener('abort', () => reject(signal.reason as Error)));
    const paced = pacer(clock, { maxWaitMs: 60_000, sleep });
    await paced.acquire('CreateKey');
    const before = paced.delay('CreateKey');
    const waiting = paced.acquire('CreateKey', controller.signal);
    controller.abort(new Error('reconcile stopped'));
    await assert.rejects(waiting, /reconcile stopped/);
    assert.equal(paced.delay('CreateKey'), before);
  });

  it('reports waits, refusals, throttles and rates to its metrics', async () => {
    const clock = new FakeClock();
    const seen: string[] = [];
    const paced = pacer(clock, {
      maxWaitMs: 0,
      metrics: {
        observeWait: (kind, seconds) => seen.push(`wait ${kind} ${seconds}`),
        refused: (kind) => seen.push(`refused ${kind}`),
        throttled: (kind) => seen.push(`throttled ${kind}`),
        setRate: (kind, rate) => seen.push(`rate ${kind} ${rate}`),
      },
    });
    await paced.acquire('CreateKey');
    await assert.rejects(paced.acquire('CreateKey'), PacerBusy);
    paced.throttled('CreateKey');
    assert.deepEqual(seen, [
      'rate CreateKey 5',
      'rate CreateAlias 5',
      'wait CreateKey 0',
      'refused CreateKey',
      'throttled CreateKey',
      'rate CreateKey 2.5',
    ]);
  });
});
