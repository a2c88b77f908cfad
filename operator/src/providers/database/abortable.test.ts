import assert from 'node:assert/strict';
import { untilAborted } from './abortable.js';

describe('waiting for a database call that a signal may abort', function () {
  const never = (): Promise<never> => new Promise<never>(() => undefined);

  it("gives the call's own result when nothing aborts", async function () {
    const cancelled: boolean[] = [];
    const abortable = {
      signal: new AbortController().signal,
      cancel: () => {
        cancelled.push(true);
        return Promise.resolve();
      },
    };
    assert.equal(await untilAborted(abortable, Promise.resolve(7)), 7);
    await assert.rejects(untilAborted(abortable, Promise.reject(new Error('syntax error'))), /syntax error/);
    assert.deepEqual(cancelled, []);
  });

  it('stops waiting at once on abort and asks the server to cancel', async function () {
    const controller = new AbortController();
    let cancelled = 0;
    const waiting = untilAborted(
      {
        signal: controller.signal,
        cancel: () => {
          cancelled++;
          return Promise.resolve();
        },
      },
      never(),
    );
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    assert.equal(cancelled, 1);
  });

  it('does not start waiting when the signal has already aborted', async function () {
    const controller = new AbortController();
    controller.abort();
    let cancelled = 0;
    await assert.rejects(
      untilAborted(
        {
          signal: controller.signal,
          cancel: () => {
            cancelled++;
            return Promise.resolve();
          },
        },
        never(),
      ),
    );
    assert.equal(cancelled, 1);
  });

  it("absorbs the call's own failure after the abort (the connection was dropped)", async function () {
    const controller = new AbortController();
    let fail: (error: Error) => void = () => undefined;
    const work = new Promise<never>((_, reject) => {
      fail = reject;
    });
    const waiting = untilAborted({ signal: controller.signal, cancel: () => Promise.resolve() }, work);
    controller.abort();
    await assert.rejects(waiting, { name: 'AbortError' });
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', record);
    fail(new Error('Connection terminated'));
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', record);
    assert.deepEqual(unhandled, []);
  });
});
