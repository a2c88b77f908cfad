/**
 * Starting and stopping the server processes of the test environment.
 *
 * Every server runs detached in its own process group with its output in a log file, so that
 * `make cluster-up` can leave it running after the harness exits and `make cluster-down` (or the
 * test run's teardown) can stop it, and everything it spawned, by process group.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ManagedProcess {
  name: string;
  pid: number;
  log: string;
  /** The network namespace it runs in (real-node mode), so a restart can enter it again. */
  netns?: string;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  log: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  uid?: number;
  gid?: number;
  /** Run inside this network namespace (made with `ip netns add`); the mount namespace stays the host's. */
  netns?: string;
}

/**
 * In a network namespace the process is started through nsenter, which enters the namespace as
 * root and then drops to the user, and execs the server: the pid is still the server's own.
 */
function commandLine(options: StartOptions): { command: string; args: string[]; uid?: number; gid?: number } {
  if (!options.netns) return options;
  const user = options.uid === undefined ? [] : ['--setgid', String(options.gid ?? options.uid), '--setuid', String(options.uid)];
  return { command: 'nsenter', args: [`--net=/run/netns/${options.netns}`, ...user, '--', options.command, ...options.args] };
}

export function startProcess(options: StartOptions): ManagedProcess {
  const out = openSync(options.log, 'a');
  const { command, args, uid, gid } = commandLine(options);
  const child = spawn(command, args, {
    detached: true,
    stdio: ['ignore', out, out],
    env: options.env ?? process.env,
    cwd: options.cwd,
    uid,
    gid,
  });
  closeSync(out);
  if (child.pid === undefined) {
    throw new Error(`could not start ${options.name} (${options.command})`);
  }
  child.unref();
  return { name: options.name, pid: child.pid, log: options.log, ...(options.netns ? { netns: options.netns } : {}) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after the grace period. */
export async function stopProcess(proc: ManagedProcess, graceMs = 10_000): Promise<void> {
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-proc.pid, signal);
    } catch {
      // already gone
    }
  };
  signalGroup('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(proc.pid) && Date.now() < deadline) await sleep(50);
  signalGroup('SIGKILL');
  while (isAlive(proc.pid)) await sleep(20);
}

/** Waits until check() resolves true, failing early with the log's tail if the process died. */
export async function waitUntil(proc: ManagedProcess, what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!isAlive(proc.pid)) {
      throw new Error(`${proc.name} exited before ${what}; last log lines:\n${tail(proc.log)}`);
    }
    if (
      await Promise.resolve()
        .then(check)
        .catch(() => false)
    )
      return;
    if (Date.now() > deadline) {
      throw new Error(`${proc.name}: timed out after ${timeoutMs} ms waiting for ${what}; last log lines:\n${tail(proc.log)}`);
    }
    await sleep(100);
  }
}

export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A free TCP port on 127.0.0.1, found by binding port 0. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
