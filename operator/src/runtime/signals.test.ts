import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setupSignalHandler } from './signals.js';

describe('setupSignalHandler', () => {
  it('aborts on the first signal and exits on the second', () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    const handle = setupSignalHandler({ target, exit: (code) => exits.push(code) });
    assert.equal(handle.signal.aborted, false);
    target.emit('SIGTERM', 'SIGTERM');
    assert.equal(handle.signal.aborted, true);
    assert.deepEqual(exits, []);
    target.emit('SIGINT', 'SIGINT');
    assert.deepEqual(exits, [1]);
    handle.dispose();
    assert.equal(target.listenerCount('SIGTERM'), 0);
  });
});
