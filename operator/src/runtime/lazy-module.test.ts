import assert from 'node:assert/strict';
import { lazyModule } from './lazy-module.js';

describe('lazyModule', () => {
  it('loads the module on the first call only and gives every caller the same one', async () => {
    let loads = 0;
    const load = lazyModule(() => Promise.resolve({ n: ++loads }));
    assert.equal(loads, 0);
    const [a, b] = await Promise.all([load(), load()]);
    assert.equal(a, b);
    assert.equal(await load(), a);
    assert.equal(loads, 1);
  });

  it('rejects with the load error and tries again on the next call', async () => {
    let attempts = 0;
    const load = lazyModule(() => (++attempts === 1 ? Promise.reject(new Error('no such module')) : Promise.resolve('loaded')));
    await assert.rejects(load(), /no such module/);
    assert.equal(await load(), 'loaded');
    assert.equal(attempts, 2);
  });
});
