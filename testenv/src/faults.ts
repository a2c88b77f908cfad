/**
 * Faults for chaos runs: stop one server of a running environment and start it again exactly as
 * it ran (same binary, arguments, port, data directory and user), or freeze it. The command line
 * is read back from /proc, so the start functions need not remember how they launched it; the
 * new process replaces the old one in environment.json, so `stopEnvironment` still stops it.
 */
import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Environment } from './environment.js';
import { isAlive, startProcess, stopProcess, type ManagedProcess } from './processes.js';

/** How a stopped server ran, enough to start it again. */
export interface StoppedComponent {
  process: ManagedProcess;
  argv: string[];
  cwd: string;
  uid: number;
  gid: number;
}

function componentOf(env: Environment, name: string): ManagedProcess {
  const found = env.processes.find((p) => p.name === name);
  if (!found) throw new Error(`no component ${name} in this environment (have: ${env.processes.map((p) => p.name).join(', ')})`);
  return found;
}

function idsOf(pid: number): { uid: number; gid: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { uid: field('Uid'), gid: field('Gid') };
}

/**
 * Stops a component (kube-apiserver, postgres, kms-emulator, etcd, ...). PostgreSQL gets SIGINT,
 * its "fast" shutdown: SIGTERM would wait for every client (the operator's pool) to leave.
 */
export async function stopComponent(env: Environment, name: string): Promise<StoppedComponent> {
  const proc = componentOf(env, name);
  const argv = readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8')
    .split('\0')
    .filter((arg) => arg !== '');
  const stopped = { process: proc, argv, cwd: readlinkSync(`/proc/${proc.pid}/cwd`), ...idsOf(proc.pid) };
  if (name === 'postgres') process.kill(proc.pid, 'SIGINT');
  await stopProcess(proc, 20_000);
  return stopped;
}

/** Starts a stopped component again as it ran and records the new process in environment.json. */
export function startComponent(env: Environment, stopped: StoppedComponent): ManagedProcess {
  const [command = '', ...args] = stopped.argv;
  const asUser = stopped.uid === process.getuid?.() ? {} : { uid: stopped.uid, gid: stopped.gid };
  const started = startProcess({
    name: stopped.process.name,
    command,
    args,
    log: stopped.process.log,
    cwd: stopped.cwd,
    netns: stopped.process.netns,
    ...asUser,
  });
  const index = env.processes.findIndex((p) => p.name === stopped.process.name);
  env.processes[index] = started;
  writeFileSync(join(env.dir, 'environment.json'), JSON.stringify(env, null, 2), { mode: 0o600 });
  return started;
}

/** Freezes (SIGSTOP) or thaws (SIGCONT) a component: it keeps its sockets and state but answers nothing. */
export function freezeComponent(env: Environment, name: string, frozen: boolean): void {
  const proc = componentOf(env, name);
  if (isAlive(proc.pid)) process.kill(-proc.pid, frozen ? 'SIGSTOP' : 'SIGCONT');
}
