import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { LowPriority } from '../../runtime/workqueue.js';
import { resyncKeys, resyncSlices, startResync } from './controller.js';

describe('the tenant resync', () => {
  const tenants = Array.from({ length: 200 }, (_, i) => ({
    metadata: { name: `t${i}`, uid: `0b6c2f9e-7a1d-4c3e-9f00-${String(i).padStart(12, '0')}` },
  }));
  const slices = Array.from({ length: resyncSlices }, (_, slice) => resyncKeys(slice, tenants));

  it('comes to every tenant exactly once per period', () => {
    assert.deepEqual(slices.flat().sort(), tenants.map((t) => t.metadata.name).sort());
  });

  it('spreads the tenants over the period rather than resyncing them at once', () => {
    const largest = Math.max(...slices.map((keys) => keys.length));
    assert.ok(largest <= 4 * (tenants.length / resyncSlices), `one slice holds ${largest} of ${tenants.length} tenants`);
    assert.ok(slices.filter((keys) => keys.length > 0).length >= resyncSlices / 2, 'most slices are used');
  });

  it('queues tenants as its slices come up, at low priority, and nothing once its signal aborts', async () => {
    const running: string[] = [];
    const priorities = new Set<number>();
    const aborted: string[] = [];
    const run = new AbortController();
    const stop = new AbortController();
    // A period of 60 ms: a slice every millisecond. Waited for until one whole period has come
    // round, however late a busy machine runs the timers: some slices are empty, so a fixed sleep
    // that saw only the first ticks could see nothing queued (it did, once under load).
    startResync({ add: (key, priority) => running.push(key) && priorities.add(priority) }, () => tenants, resyncSlices, run.signal);
    startResync({ add: (key) => aborted.push(key) }, () => tenants, resyncSlices, stop.signal);
    stop.abort();
    for (let waited = 0; running.length < tenants.length && waited < 10_000; waited += 5) await sleep(5);
    run.abort();
    assert.deepEqual([...new Set(running)].sort(), tenants.map((t) => t.metadata.name).sort(), 'one period queued every tenant');
    assert.deepEqual([...priorities], [LowPriority], 'periodic work yields to tenants created or changed meanwhile');
    assert.deepEqual(aborted, []);
  });
});
