import assert from 'node:assert/strict';
import { createRuntimeMetrics } from './metrics.js';
import { ItemExponentialRateLimiter, MaxOfRateLimiter, TokenBucketRateLimiter } from './rate-limiter.js';
import { eventually } from './testing.js';
import { HighPriority, LowPriority, WorkQueue } from './workqueue.js';

/** Resolves with the promise's value, or 'pending' if it has not settled after a few ticks. */
async function settledOrPending<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setTimeout(() => resolve('pending'), 20))]);
}

describe('WorkQueue', () => {
  let queue: WorkQueue;

  beforeEach(() => {
    queue = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter({ baseMs: 5, maxMs: 1000 }) });
  });

  afterEach(() => queue.shutDown());

  it('counts the keys waiting at a priority or above, leaving out lower ones and those handed out', async () => {
    queue.add('resync-a', LowPriority);
    queue.add('resync-b', LowPriority);
    queue.add('new');
    queue.add('changed');
    assert.equal(queue.waitingAtOrAbove(HighPriority), 2);
    assert.equal(queue.waitingAtOrAbove(LowPriority), 4);
    assert.equal(await queue.get(), 'new');
    assert.equal(queue.waitingAtOrAbove(HighPriority), 1);
    assert.equal(await queue.get(), 'changed');
    assert.equal(queue.waitingAtOrAbove(HighPriority), 0);
    assert.equal(queue.waitingAtOrAbove(LowPriority), 2);
  });

  it('holds a key at most once however often it is added', async () => {
    queue.add('a');
    queue.add('b');
    queue.add('a');
    assert.equal(queue.len(), 2);
    assert.equal(await queue.get(), 'a');
    assert.equal(await queue.get(), 'b');
    assert.equal(queue.len(), 0);
  });

  it('never hands a key being processed to a second worker, and delivers it once more after done', async () => {
    queue.add('a');
    const key = await queue.get();
    assert.equal(key, 'a');
    queue.add('a');
    queue.add('a');
    assert.equal(queue.len(), 0, 'a re-added key waits for done()');
    const second = queue.get();
    assert.equal(await settledOrPending(second), 'pending');
    queue.done('a');
    assert.equal(await second, 'a');
    queue.done('a');
    assert.equal(queue.len(), 0, 'it is delivered once, not once per add');
  });

  it('hands keys to waiting workers in the order they asked', async () => {
    const first = queue.get();
    const second = queue.get();
    queue.add('a');
    queue.add('b');
    assert.deepEqual(await Promise.all([first, second]), ['a', 'b']);
  });

  it('delivers a key added with a delay once the delay has passed', async () => {
    queue.addAfter('a', 30);
    assert.equal(queue.len(), 0);
    assert.equal(await queue.get(), 'a');
  });

  it('keeps the earliest of several delays for the same key', async () => {
    queue.addAfter('early-first', 20);
    queue.addAfter('early-first', 60_000);
    queue.addAfter('late-first', 60_000);
    queue.addAfter('late-first', 20);
    const delivered = new Set([await queue.get(), await queue.get()]);
    assert.deepEqual(delivered, new Set(['early-first', 'late-first']));
  });

  it('counts rate-limited requeues per key and forgets them on success', () => {
    queue.addRateLimited('a');
    queue.addRateLimited('a');
    queue.addRateLimited('b');
    assert.equal(queue.numRequeues('a'), 2);
    assert.equal(queue.numRequeues('b'), 1);
    queue.forget('a');
    assert.equal(queue.numRequeues('a'), 0);
  });

  it('unblocks waiting workers with undefined on shutdown and ignores later adds', async () => {
    const waiting = queue.get();
    queue.addAfter('delayed', 60_000);
    queue.shutDown();
    assert.equal(await waiting, undefined);
    queue.add('a');
    assert.equal(await queue.get(), undefined);
    assert.equal(queue.len(), 0);
  });

  it('waits for keys in flight when shutting down with drain', async () => {
    queue.add('a');
    await queue.get();
    let drained = false;
    const drain = queue.shutDownWithDrain().then(() => {
      drained = true;
    });
    await settledOrPending(drain);
    assert.equal(drained, false);
    queue.done('a');
    await drain;
    assert.equal(drained, true);
  });
});

describe('WorkQueue priorities', () => {
  let queue: WorkQueue;

  beforeEach(() => {
    queue = new WorkQueue({ rateLimiter: new ItemExponentialRateLimiter({ baseMs: 5, maxMs: 1000 }), passesPerTurn: 3 });
  });

  afterEach(() => queue.shutDown());

  /** Takes every waiting key, marking each done at once. */
  async function drain(): Promise<string[]> {
    const keys: string[] = [];
    while (queue.len() > 0) {
      const key = await queue.get();
      if (key === undefined) break;
      keys.push(key);
      queue.done(key);
    }
    return keys;
  }

  it('queues every re-add at the back by default, as controller-runtime does', async () => {
    const plain = new WorkQueue();
    for (const key of ['a', 'b']) plain.add(key);
    assert.equal(await plain.get(), 'a');
    plain.add('a');
    plain.done('a');
    assert.deepEqual([await plain.get(), await plain.get()], ['b', 'a']);
    plain.shutDown();
  });

  it('hands out a new key before every resync queued ahead of it', async () => {
    queue.add('resync-1', LowPriority);
    queue.add('resync-2', LowPriority);
    queue.add('created');
    assert.deepEqual(await drain(), ['created', 'resync-1', 'resync-2']);
  });

  it('promotes a waiting low key that gets a real event, behind the high keys already waiting, without a duplicate', async () => {
    queue.add('listed-a', LowPriority);
    queue.add('listed-b', LowPriority);
    queue.add('created');
    queue.add('listed-b', HighPriority);
    assert.equal(queue.len(), 3);
    assert.deepEqual(await queue.getWithPriority(), { key: 'created', priority: HighPriority });
    assert.deepEqual(await queue.getWithPriority(), { key: 'listed-b', priority: HighPriority });
    assert.deepEqual(await queue.getWithPriority(), { key: 'listed-a', priority: LowPriority });
  });

  it('never demotes a waiting key', async () => {
    queue.add('changed');
    queue.add('other');
    queue.add('changed', LowPriority);
    assert.deepEqual(await queue.getWithPriority(), { key: 'changed', priority: HighPriority });
    assert.deepEqual(await queue.getWithPriority(), { key: 'other', priority: HighPriority });
  });

  it('still holds a key being processed back from a second worker when it is promoted meanwhile', async () => {
    queue.add('a', LowPriority);
    assert.equal(await queue.get(), 'a');
    queue.add('a', LowPriority);
    queue.add('a', HighPriority);
    const second = queue.getWithPriority();
    assert.equal(await settledOrPending(second), 'pending');
    queue.done('a');
    assert.deepEqual(await second, { key: 'a', priority: HighPriority });
    queue.done('a');
    assert.equal(queue.len(), 0, 'it is delivered once');
  });

  it('keeps the higher priority of several pending delays for the same key', async () => {
    queue.addAfter('a', 20, LowPriority);
    queue.addAfter('a', 60_000, HighPriority);
    assert.deepEqual(await queue.getWithPriority(), { key: 'a', priority: HighPriority });
  });

  it('gives a key re-added while processing its place back, ahead of keys not yet begun', async () => {
    for (const key of ['a', 'b', 'c']) queue.add(key);
    assert.equal(await queue.get(), 'a');
    queue.add('a'); // e.g. the watch event of an object its reconcile just created
    queue.done('a');
    assert.deepEqual(await drain(), ['a', 'b', 'c']);
  });

  it('gives a key requeued after a delay its place back once the delay has passed', async () => {
    queue.add('a');
    queue.add('b');
    assert.equal(await queue.get(), 'a');
    queue.addAfter('a', 20); // e.g. waiting for its Deployment to become available
    queue.done('a');
    queue.add('c');
    await eventually(() => assert.equal(queue.len(), 3));
    assert.deepEqual(await drain(), ['a', 'b', 'c']);
  });

  it('starts a new turn for a key whose last pass finished with nothing pending', async () => {
    queue.add('a');
    queue.add('b');
    assert.equal(await queue.get(), 'a');
    queue.done('a');
    queue.add('a');
    assert.deepEqual(await drain(), ['b', 'a']);
  });

  it('sends a key to the back once it has had passesPerTurn passes without finishing', async () => {
    queue.add('busy');
    queue.add('waiting');
    const passes: string[] = [];
    for (let pass = 0; pass < 3; pass += 1) {
      const key = await queue.get();
      passes.push(String(key));
      queue.add('busy');
      queue.done(String(key));
    }
    assert.deepEqual(passes, ['busy', 'busy', 'busy']);
    assert.deepEqual(await drain(), ['waiting', 'busy']);
  });

  it('reports its depth per priority', async () => {
    const metrics = createRuntimeMetrics({ collectDefaultMetrics: false });
    const measured = new WorkQueue({ name: 'things', metrics: metrics.workQueue('things') });
    measured.add('listed-a', LowPriority);
    measured.add('listed-b', LowPriority);
    measured.add('created');
    let text = await metrics.registry.metrics();
    assert.match(text, /workqueue_depth\{name="things",priority="-100"\} 2/);
    assert.match(text, /workqueue_depth\{name="things",priority="0"\} 1/);
    measured.add('listed-a', HighPriority);
    await measured.get();
    text = await metrics.registry.metrics();
    assert.match(text, /workqueue_depth\{name="things",priority="-100"\} 1/);
    assert.match(text, /workqueue_depth\{name="things",priority="0"\} 1/);
    measured.shutDown();
  });
});

describe('rate limiters', () => {
  it('back a key off exponentially from 5 ms up to the cap, and start over once forgotten', () => {
    const limiter = new ItemExponentialRateLimiter({ baseMs: 5, maxMs: 100 });
    const delays = Array.from({ length: 7 }, () => limiter.when('a'));
    assert.deepEqual(delays, [5, 10, 20, 40, 80, 100, 100]);
    assert.equal(limiter.when('b'), 5, 'keys back off independently');
    limiter.forget('a');
    assert.equal(limiter.numRequeues('a'), 0);
    assert.equal(limiter.when('a'), 5);
  });

  it('let a burst through at once and then pace retries at the bucket rate', () => {
    let now = 0;
    const bucket = new TokenBucketRateLimiter({ qps: 10, burst: 2, now: () => now });
    assert.deepEqual([bucket.when('a'), bucket.when('b'), bucket.when('c'), bucket.when('d')], [0, 0, 100, 200]);
    now = 1000;
    assert.equal(bucket.when('e'), 0, 'tokens accrue again over time');
  });

  it('wait for the larger of the per-key and the global delay', () => {
    let now = 0;
    const limiter = new MaxOfRateLimiter(
      new ItemExponentialRateLimiter({ baseMs: 5 }),
      new TokenBucketRateLimiter({ qps: 1, burst: 1, now: () => now }),
    );
    assert.equal(limiter.when('a'), 5, 'the burst lets the first through; the key waits its 5 ms');
    assert.equal(limiter.when('b'), 1000, 'the empty bucket makes the next wait a second');
    now = 10_000;
    assert.equal(limiter.numRequeues('a'), 1);
  });
});
