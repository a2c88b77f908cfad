import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { keepOutputTail } from './output-tail.js';
import { RunGuard, RunStopped } from './run-guard.js';

/** A real child process that prints and then exits by itself, as an operator out of heap does. */
function exitingChild(script: string): { exited: Promise<NodeJS.Signals | number | null>; output: () => string } {
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = keepOutputTail(child, 3);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('close', (code, signal) => resolve(signal ?? code)));
  return { exited, output };
}

const quiet = { target: new EventEmitter(), log: () => undefined };

describe('RunGuard', () => {
  it('stops the run when a watched process exits, with its exit and last output', async () => {
    const guard = new RunGuard(quiet);
    const child = exitingChild(
      'for (let i = 1; i <= 5; i++) console.log(`line ${i}`); console.error("FATAL ERROR: heap limit"); process.exit(3)',
    );
    guard.watch('the operator', child);
    await assert.rejects(guard.race(new Promise(() => undefined)), (error: unknown) => {
      assert.ok(error instanceof RunStopped);
      assert.equal(error.exitCode, 1);
      assert.match(error.message, /^the operator exited \(3\)/);
      assert.match(error.message, /line 3\nline 4\nline 5\nstderr: FATAL ERROR: heap limit$/);
      assert.doesNotMatch(error.message, /line 2/, 'only the last lines are kept');
      return true;
    });
  });

  it('does not stop the run for a process it was told would exit', async () => {
    const guard = new RunGuard(quiet);
    const child = exitingChild('process.exit(0)');
    guard.watch('the operator', child);
    guard.expectExit(child);
    await child.exited;
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(guard.signal.aborted, false);
  });

  it('cuts a wait short on the first SIGINT and runs the clean-ups and exits on the second', async () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    const cleaned: string[] = [];
    const guard = new RunGuard({ target, log: () => undefined, exit: (code) => exits.push(code) });
    guard.onForcedExit(async () => {
      cleaned.push('environment');
      return Promise.resolve();
    });
    const waiting = guard.sleep(3_600_000);
    target.emit('SIGINT', 'SIGINT');
    await assert.rejects(
      waiting,
      (error: unknown) => error instanceof RunStopped && error.exitCode === 130 && /SIGINT/.test(error.message),
    );
    assert.deepEqual(exits, [], 'the first signal lets the run wind down');
    target.emit('SIGINT', 'SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(cleaned, ['environment']);
    assert.deepEqual(exits, [130]);
    guard.dispose();
    assert.equal(target.listenerCount('SIGINT'), 0);
  });

  it('exits 143 on SIGTERM, naming the phase the run was in, also when a second signal forces the exit', async () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    const lines: string[] = [];
    const guard = new RunGuard({ target, log: (line) => lines.push(line.trim()), exit: (code) => exits.push(code) });
    guard.enter('starting the environment operator-silo-1');
    const waiting = guard.sleep(3_600_000);
    target.emit('SIGTERM', 'SIGTERM');
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof RunStopped);
      assert.equal(error.exitCode, 143);
      assert.equal(error.message, 'interrupted by SIGTERM while starting the environment operator-silo-1');
      return true;
    });
    guard.enter('stopping the environment operator-silo-1');
    target.emit('SIGINT', 'SIGINT');
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(exits, [143], 'the first signal decides the code');
    assert.equal(
      lines.at(-1),
      'The bench stopped: interrupted by SIGTERM while starting the environment operator-silo-1, at once on a second SIGINT',
    );
    guard.dispose();
  });

  it('leaves no unhandled rejection behind when a raced work fails after the run stopped, even if raced after the stop', async () => {
    const guard = new RunGuard(quiet);
    const unhandled: unknown[] = [];
    const record = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', record);
    try {
      guard.stop(new RunStopped('interrupted by SIGINT while preparing', 130));
      let fail = (_error: Error): void => undefined;
      const work = new Promise<never>((_, reject) => (fail = reject));
      await assert.rejects(guard.race(work), /interrupted by SIGINT while preparing/);
      fail(new Error('request to https://127.0.0.1:1/apis failed, reason: connect ECONNREFUSED'));
      await new Promise((resolve) => setTimeout(resolve, 10));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', record);
    }
  });

  it('takes a Ctrl-C that reached a watched child first for the interruption, not for its exit nor for a second Ctrl-C', async () => {
    const target = new EventEmitter();
    const exits: number[] = [];
    const guard = new RunGuard({ target, log: () => undefined, exit: (code) => exits.push(code) });
    guard.enter('measuring the compiled operator at rest');
    const child = exitingChild('process.kill(process.pid, "SIGINT")');
    guard.watch('the compiled operator', child);
    assert.equal(await child.exited, 'SIGINT');
    target.emit('SIGINT', 'SIGINT');
    await assert.rejects(guard.race(new Promise(() => undefined)), (error: unknown) => {
      assert.ok(error instanceof RunStopped);
      assert.equal(error.exitCode, 130);
      assert.equal(error.message, 'interrupted by SIGINT while measuring the compiled operator at rest');
      return true;
    });
    assert.deepEqual(exits, [], 'one Ctrl-C winds the run down');
    guard.dispose();
  });

  it('reports the first reason when several follow', async () => {
    const guard = new RunGuard(quiet);
    guard.stop(new RunStopped('interrupted by SIGINT', 130));
    guard.stop(new RunStopped('the operator exited (0)', 1));
    await assert.rejects(guard.sleep(1), /interrupted by SIGINT/);
    assert.equal(guard.stopped?.exitCode, 130);
  });

  describe('liveness', () => {
    const probe = { periodMs: 20, timeoutMs: 100, failureThreshold: 3 };
    let server: Server;
    let healthy = true;

    /** A /healthz that answers while `healthy`, and then never answers, as an operator whose event loop is blocked. */
    async function healthz(): Promise<string> {
      healthy = true;
      server = createServer((_request, response) => {
        if (healthy) response.end('ok');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}/healthz`;
    }

    afterEach(() => {
      server.closeAllConnections();
      server.close();
    });

    const running = { exited: new Promise<never>(() => undefined), output: () => 'last line' };

    it('stops the run when a watched process stops answering its liveness endpoint, though it has not exited', async () => {
      const guard = new RunGuard(quiet);
      guard.watch('the operator', running);
      guard.watchLiveness('the operator', running, healthz(), probe);
      await new Promise((resolve) => setTimeout(resolve, 200));
      assert.equal(guard.signal.aborted, false, 'not while it answers');
      healthy = false;
      await assert.rejects(guard.race(new Promise(() => undefined)), (error: unknown) => {
        assert.ok(error instanceof RunStopped);
        assert.equal(error.exitCode, 1);
        assert.match(
          error.message,
          /^the operator did not answer http:\/\/127\.0\.0\.1:\d+\/healthz 3 times in a row .*event loop is stalled.*\nlast line$/s,
        );
        return true;
      });
    });

    it('stops probing a process it was told would exit', async () => {
      const guard = new RunGuard(quiet);
      guard.watch('the operator', running);
      guard.watchLiveness('the operator', running, healthz(), probe);
      guard.expectExit(running);
      healthy = false;
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(guard.signal.aborted, false);
    });
  });
});
