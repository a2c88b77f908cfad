import assert from 'node:assert/strict';
import { Slots, splitConnections } from './connection-slots.js';

/** A task that runs until released, recording how many tasks ran at once. */
function gate(): { promise: Promise<void>; release: () => void } {
  let release = (): void => undefined;
  const promise = new Promise<void>((resolve) => (release = resolve));
  return { promise, release };
}

describe('connection slots', () => {
  it('never lets more than its size run at once, and lets the rest in as slots free, in arrival order', async () => {
    const slots = new Slots(2);
    const gates = Array.from({ length: 5 }, gate);
    const started: number[] = [];
    let running = 0;
    let most = 0;
    const tasks = gates.map((g, index) =>
      slots.with(async () => {
        started.push(index);
        most = Math.max(most, ++running);
        await g.promise;
        running -= 1;
      }),
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(started, [0, 1]);
    for (const g of gates) {
      g.release();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(tasks);
    assert.deepEqual(started, [0, 1, 2, 3, 4]);
    assert.equal(most, 2);
    assert.equal(slots.inUse, 0);
  });

  it('frees a slot when its task fails', async () => {
    const slots = new Slots(1);
    await assert.rejects(
      slots.with(() => Promise.reject(new Error('connection refused'))),
      /connection refused/,
    );
    assert.equal(slots.inUse, 0);
    assert.equal(await slots.with(() => Promise.resolve('next')), 'next');
  });

  it('gives the admin pool all connections but one, and refuses a bound under 2', () => {
    assert.deepEqual(splitConnections(4), { pool: 3, elsewhere: 1 });
    assert.deepEqual(splitConnections(2), { pool: 1, elsewhere: 1 });
    assert.throws(() => splitConnections(1), /at least 2/);
  });
});
