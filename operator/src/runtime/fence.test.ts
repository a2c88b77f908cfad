import assert from 'node:assert/strict';
import { destructive, LeadershipNotConfirmed, unelectedFence, type LeadershipFence } from './fence.js';

describe('the leadership fence', () => {
  const refusing: LeadershipFence = { confirm: (act) => Promise.reject(new LeadershipNotConfirmed(act, 'the Lease is held by b')) };

  it('runs a destructive act only after the fence confirms, right before it', async () => {
    const order: string[] = [];
    const fence: LeadershipFence = {
      confirm: (act) => {
        order.push(`confirm ${act}`);
        return Promise.resolve();
      },
    };
    assert.equal(
      await destructive(fence, 'drop', () => {
        order.push('act');
        return Promise.resolve(42);
      }),
      42,
    );
    assert.deepEqual(order, ['confirm drop', 'act']);
  });

  it('does not run the act when the fence refuses, and says what was refused', async () => {
    let ran = false;
    await assert.rejects(
      destructive(refusing, 'dropping database tenant_a', () => {
        ran = true;
        return Promise.resolve();
      }),
      /refused dropping database tenant_a: leadership not confirmed \(the Lease is held by b\)/,
    );
    assert.equal(ran, false);
  });

  it('without leader election, confirms until the operator stops', async () => {
    const stopping = new AbortController();
    const fence = unelectedFence(stopping.signal);
    await fence.confirm('drop');
    stopping.abort();
    await assert.rejects(fence.confirm('drop'), LeadershipNotConfirmed);
  });
});
