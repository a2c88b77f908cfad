import assert from 'node:assert/strict';
import { Controller, type Reconciler } from './controller.js';
import { createLogger } from './logging.js';
import { createRuntimeMetrics } from './metrics.js';
import { ItemExponentialRateLimiter } from './rate-limiter.js';
import { eventually } from './testing.js';
import { LowPriority } from './workqueue.js';

describe('Controller', () => {
  const logger = createLogger({ silent: true });
  let controller: Controller;

  function startController(reconcile: Reconciler, maxConcurrentReconciles = 1, passesPerTurn = 0): Controller {
    controller = new Controller({
      name: 'things',
      reconcile,
      logger,
      maxConcurrentReconciles,
      passesPerTurn,
      rateLimiter: new ItemExponentialRateLimiter({ baseMs: 1, maxMs: 20 }),
      metrics: createRuntimeMetrics({ collectDefaultMetrics: false }),
    });
    controller.start();
    return controller;
  }

  afterEach(async () => {
    await controller.stop();
  });

  it('retries a failing reconcile with backoff and forgets the failures once it succeeds', async () => {
    const attempts: number[] = [];
    startController((key) => {
      attempts.push(controller.queue.numRequeues(key));
      return attempts.length < 3 ? Promise.reject(new Error('database not ready')) : Promise.resolve();
    });
    controller.enqueue('acme');
    await eventually(() => assert.equal(attempts.length, 3));
    assert.deepEqual(attempts, [0, 1, 2]);
    await eventually(() => assert.equal(controller.queue.numRequeues('acme'), 0));
  });

  for (const [passesPerTurn, expected] of [
    [10, ['first', 'second', 'first', 'third']],
    [0, ['first', 'second', 'third', 'first']],
  ] as const) {
    it(`${passesPerTurn > 0 ? 'with' : 'without'} turns, runs a key its reconcile requeued ${passesPerTurn > 0 ? 'before' : 'after'} a key that had not begun`, async () => {
      const order: string[] = [];
      startController(
        async (key) => {
          order.push(key);
          if (key === 'second') await new Promise((resolve) => setTimeout(resolve, 60));
          if (key !== 'first' || order.length > 1) return undefined;
          controller.enqueue('second');
          controller.enqueue('third');
          return { requeueAfterMs: 10 }; // e.g. its Deployment is rolling out
        },
        1,
        passesPerTurn,
      );
      controller.enqueue('first');
      await eventually(() => assert.equal(order.length, 4));
      assert.deepEqual(order, expected);
    });
  }

  it('survives a reconcile that throws synchronously', async () => {
    let calls = 0;
    startController(() => {
      calls += 1;
      if (calls === 1) throw new Error('bug');
      return Promise.resolve();
    });
    controller.enqueue('acme');
    await eventually(() => assert.equal(calls, 2));
  });

  it('runs a key again after the delay a successful reconcile asks for', async () => {
    let calls = 0;
    startController(() => {
      calls += 1;
      return Promise.resolve(calls === 1 ? { requeueAfterMs: 10 } : undefined);
    });
    controller.enqueue('acme');
    await eventually(() => assert.equal(calls, 2));
  });

  it('gives each reconcile its own reconcileID', async () => {
    const ids = new Set<string>();
    startController((_key, { reconcileID }) => {
      ids.add(reconcileID);
      return Promise.resolve();
    });
    controller.enqueue('a');
    controller.enqueue('b');
    await eventually(() => assert.equal(ids.size, 2));
  });

  it('never reconciles one key on two workers at once, but runs different keys in parallel', async () => {
    const inFlight = new Map<string, number>();
    let mostForOneKey = 0;
    let mostOverall = 0;
    let calls = 0;
    startController(async (key) => {
      calls += 1;
      inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
      mostForOneKey = Math.max(mostForOneKey, inFlight.get(key) ?? 0);
      mostOverall = Math.max(
        mostOverall,
        [...inFlight.values()].reduce((a, b) => a + b, 0),
      );
      controller.enqueue(key); // re-added while being processed
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    }, 4);
    for (const key of ['a', 'b', 'c']) controller.enqueue(key);
    await eventually(() => assert.ok(calls >= 12));
    assert.equal(mostForOneKey, 1);
    assert.ok(mostOverall > 1, 'different keys ran in parallel');
  });

  it('waits for reconciles in flight on stop and aborts their signal', async () => {
    let finished = false;
    let sawAbort = false;
    startController(async (_key, { signal }) => {
      await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
      sawAbort = signal.aborted;
      finished = true;
    });
    controller.enqueue('acme');
    await eventually(() => assert.equal(controller.queue.len(), 0));
    await controller.stop();
    assert.equal(finished, true);
    assert.equal(sawAbort, true);
  });

  it('retries and requeues a key at the priority it waited at, so a resync stays behind new work', async () => {
    const requeued: string[] = [];
    let calls = 0;
    startController(() => {
      calls += 1;
      if (calls === 1) return Promise.reject(new Error('database not ready'));
      return Promise.resolve(calls === 2 ? { requeueAfterMs: 1 } : undefined);
    });
    const { queue } = controller;
    const addAfter = queue.addAfter.bind(queue);
    queue.addAfter = (key, delayMs, priority) => {
      requeued.push(`${key} at ${String(priority)}`);
      addAfter(key, delayMs, priority);
    };
    controller.enqueue('resynced', LowPriority);
    await eventually(() => assert.equal(calls, 3));
    // Once after the failure (backoff), once for the requeue the reconcile asked for.
    assert.deepEqual(requeued, [`resynced at ${LowPriority}`, `resynced at ${LowPriority}`]);
  });

  it('counts reconciles by result in controller-runtime’s metrics', async () => {
    const metrics = createRuntimeMetrics({ collectDefaultMetrics: false });
    let calls = 0;
    controller = new Controller({
      name: 'things',
      logger,
      metrics,
      rateLimiter: new ItemExponentialRateLimiter({ baseMs: 1 }),
      reconcile: () => {
        calls += 1;
        return calls === 1 ? Promise.reject(new Error('boom')) : Promise.resolve();
      },
    });
    controller.start();
    controller.enqueue('acme');
    await eventually(() => assert.equal(calls, 2));
    await controller.stop();
    const text = await metrics.registry.metrics();
    assert.match(text, /controller_runtime_reconcile_total\{controller="things",result="error"\} 1/);
    assert.match(text, /controller_runtime_reconcile_total\{controller="things",result="success"\} 1/);
    assert.match(text, /controller_runtime_reconcile_errors_total\{controller="things"\} 1/);
    assert.match(text, /workqueue_adds_total\{name="things"\} 2/);
    assert.match(text, /workqueue_retries_total\{name="things"\} 1/);
    assert.match(text, /controller_runtime_max_concurrent_reconciles\{controller="things"\} 1/);
  });

  it('hands every reconcile the leadership fence it was started with, and its signal', async () => {
    const fence = { confirm: () => Promise.resolve() };
    const seen: unknown[] = [];
    const leadership = new AbortController();
    controller = new Controller({
      name: 'things',
      logger,
      reconcile: (_key, context) => {
        seen.push(context.fence, context.signal.aborted);
        return Promise.resolve();
      },
    });
    controller.start(leadership.signal, fence);
    controller.enqueue('acme');
    await eventually(() => assert.deepEqual(seen, [fence, false]));
  });
});
