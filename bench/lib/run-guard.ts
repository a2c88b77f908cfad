/**
 * When a benchmark stops before it is done: on Ctrl-C (SIGINT) or SIGTERM, when an operator it
 * measures exits on its own (out of memory, a lost lease), and when one stops answering its
 * liveness endpoint as the chart's liveness probe asks it (an event loop stalled for minutes: the
 * kubelet would restart it, but a bench only saw its exit, up to 52 minutes later at 1000 tenants,
 * docs/decisions/0031). Each aborts `signal`; every wait of a
 * run takes it and rejects at once, so the run's finally blocks stop the operator and the
 * environment and the bench exits with the reason and the operator's last output, instead of
 * waiting out a timeout sized for 1000 tenants. A second signal skips the winding down: it stops
 * the environments (their servers run detached and would outlive the bench) and exits.
 */
import type { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { stopChildren } from './children.js';

/** Why a run stopped early; the bench exits with `exitCode` (128 + the signal's number for a signal, as shells do). */
export class RunStopped extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = 'RunStopped';
  }
}

/** A process the run depends on: how it ended, and what it last said. */
export interface WatchedProcess {
  exited: Promise<NodeJS.Signals | number | null>;
  output(): string;
}

export interface RunGuardOptions {
  /** Where signals arrive; default `process` (tests pass an EventEmitter). */
  target?: EventEmitter;
  /** Called after the second signal's clean-up; default process.exit. */
  exit?: (code: number) => void;
  log?: (line: string) => void;
}

const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** The code a shell reports for a process killed by `signal`: 130 for SIGINT, 143 for SIGTERM. */
export const exitCodeOf = (signal: NodeJS.Signals): number => (signal === 'SIGINT' ? 130 : 143);

/** How a liveness endpoint is probed: the chart's operator probe (10 s apart, 3 failures), with a timeout a loaded bench machine can meet. */
export interface LivenessProbe {
  periodMs: number;
  timeoutMs: number;
  failureThreshold: number;
}

/** How long after a watched child's exit it is judged (see watch()). */
const exitJudgedAfterMs = 250;

export const operatorLiveness: LivenessProbe = { periodMs: 10_000, timeoutMs: 5_000, failureThreshold: 3 };

/** Whether `url` answers 2xx within `timeoutMs`. */
async function answers(url: string, timeoutMs: number): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(timeoutMs) }).then(
    async (response) => {
      await response.arrayBuffer();
      return response.ok;
    },
    () => false,
  );
}

export class RunGuard {
  private readonly controller = new AbortController();
  readonly signal = this.controller.signal;
  private readonly watched = new Set<WatchedProcess>();
  private readonly cleanups = new Set<() => Promise<void>>();
  private readonly target: EventEmitter;
  /** What the run is doing, for the line an interruption prints (set by enter()). */
  private phase = 'starting';
  private signalsReceived = 0;

  constructor(private readonly options: RunGuardOptions = {}) {
    this.target = options.target ?? process;
    for (const signal of signals) this.target.on(signal, this.onSignal);
  }

  private readonly onSignal = (signal: NodeJS.Signals): void => {
    const log = this.options.log ?? ((line: string) => console.error(line));
    if (++this.signalsReceived === 1) {
      log(`\n${signal} while ${this.phase}: stopping what the bench started (${signal} again to stop the servers and exit at once)`);
      this.stop(new RunStopped(`interrupted by ${signal} while ${this.phase}`, exitCodeOf(signal)));
      return;
    }
    log(`\n${signal} again: stopping the environments and exiting now`);
    const exit = this.options.exit ?? ((code: number) => process.exit(code));
    const stopped = this.stopped ?? new RunStopped(`interrupted by ${signal} while ${this.phase}`, exitCodeOf(signal));
    void Promise.allSettled([...this.cleanups].map((cleanup) => cleanup())).then(() => {
      log(`\nThe bench stopped: ${stopped.message}, at once on a second ${signal}`);
      exit(stopped.exitCode);
    });
  };

  /** Names what the run does from now on ("starting the environment operator-silo-1"), for an interruption's line. */
  enter(phase: string): void {
    this.phase = phase;
  }

  /** Stops the run; the first reason given is the one reported. */
  stop(reason: RunStopped): void {
    if (!this.signal.aborted) this.controller.abort(reason);
  }

  get stopped(): RunStopped | undefined {
    return this.signal.aborted ? (this.signal.reason as RunStopped) : undefined;
  }

  /**
   * Stops the run when `child` exits, unless expectExit(child) was called before. A terminal's
   * Ctrl-C reaches the child with the bench (one process group): the exit is judged a moment
   * later, so that the bench's own SIGINT, delivered at the same instant, is the reason reported
   * rather than "exited (SIGINT) before the run was done", and is not taken for a second Ctrl-C.
   */
  watch(name: string, child: WatchedProcess): void {
    this.watched.add(child);
    void child.exited.then(async (how) => {
      await sleep(exitJudgedAfterMs, undefined, { ref: false });
      if (!this.watched.delete(child)) return;
      this.stop(new RunStopped(`${name} exited (${String(how)}) before the run was done; its last output:\n${child.output()}`, 1));
    });
  }

  /**
   * Stops the run when the watched `child` fails `probe.failureThreshold` probes of `url` in a row
   * (a liveness endpoint); probing ends when the child exits or expectExit(child) is called.
   */
  watchLiveness(name: string, child: WatchedProcess, url: Promise<string>, probe: LivenessProbe = operatorLiveness): void {
    void url.then(
      (resolved) => this.probeWhileWatched(name, child, resolved, probe),
      () => undefined,
    );
  }

  private async probeWhileWatched(name: string, child: WatchedProcess, url: string, probe: LivenessProbe): Promise<void> {
    const watching = (): boolean => this.watched.has(child) && !this.signal.aborted;
    let failures = 0;
    while (watching()) {
      await sleep(probe.periodMs, undefined, { signal: this.signal, ref: false }).catch(() => undefined);
      if (!watching()) return;
      failures = (await answers(url, probe.timeoutMs)) ? 0 : failures + 1;
      if (failures >= probe.failureThreshold && watching()) {
        const every = `${probe.periodMs / 1000} s apart, ${probe.timeoutMs / 1000} s each`;
        this.stop(
          new RunStopped(
            `${name} did not answer ${url} ${failures} times in a row (${every}): its event loop is stalled, and the kubelet would restart it; its last output:\n${child.output()}`,
            1,
          ),
        );
      }
    }
  }

  /** The run is about to stop `child` itself: its exit is no longer a reason to stop. */
  expectExit(child: WatchedProcess): void {
    this.watched.delete(child);
  }

  /** What a second signal must still do (stop an environment); returns a function that forgets it. */
  onForcedExit(cleanup: () => Promise<void>): () => void {
    this.cleanups.add(cleanup);
    return () => this.cleanups.delete(cleanup);
  }

  /**
   * `work`'s outcome, or a rejection with the reason as soon as the run stops. `work` stays
   * handled either way: when it fails later (a request to a server the stop took down) that is
   * no unhandled rejection, which would kill the bench before it stopped its servers.
   */
  async race<T>(work: Promise<T>): Promise<T> {
    let onAbort = (): void => undefined;
    const stopped = new Promise<never>((_, reject) => {
      onAbort = () => reject(this.signal.reason as Error);
      if (this.signal.aborted) onAbort();
      else this.signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      return await Promise.race([work, stopped]);
    } finally {
      this.signal.removeEventListener('abort', onAbort);
    }
  }

  /** Waits `ms`, rejecting with the reason as soon as the run stops. */
  async sleep(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.signal }).catch(() => this.signal.throwIfAborted());
  }

  /** Gives the signals back to Node's defaults. */
  dispose(): void {
    for (const signal of signals) this.target.off(signal, this.onSignal);
  }
}

let current: RunGuard | undefined;

/** The guard of this bench process, listening for signals from the first call on. */
export function benchRun(): RunGuard {
  return (current ??= new RunGuard());
}

/**
 * Runs a bench's main: its number is the exit code. A run that stopped early exits with its own
 * code and one line with its reason (the operator's output included), even when what failed first
 * was a request to a server the stop had already taken down, or when main got to its end after
 * the signal (a Ctrl-C while the last environment stopped); process.exit, because a wait that does
 * not know the signal may still hold a timer, and its children are stopped first (children.ts).
 */
export async function runBench(main: () => Promise<number | void>): Promise<void> {
  const run = benchRun();
  let failure: unknown;
  try {
    process.exitCode = (await main()) ?? 0;
  } catch (error) {
    failure = error;
  }
  const stopped = failure instanceof RunStopped ? failure : run.stopped;
  if (!stopped && failure === undefined) return;
  run.enter('stopping what is left of the run');
  await stopChildren();
  console.error(`\nThe bench stopped: ${stopped?.message ?? describe(failure)}`);
  process.exit(stopped?.exitCode ?? 1);
}

const describe = (failure: unknown): string => (failure instanceof Error ? (failure.stack ?? failure.message) : String(failure));
