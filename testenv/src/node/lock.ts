/**
 * One real node per machine: kubelet's cgroup root, the fixed namespace names and addresses,
 * and two cores could not take a second. The lock is a file in /run naming the environment that
 * holds it. A holder is stale once the process that took it is gone and none of its
 * environment's servers runs (a killed test run); then the lock is taken over, and the caller
 * cleans up what the stale node left.
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAlive } from '../processes.js';

export const lockFile = '/run/bulkhead-real-node.lock';

export interface LockHolder {
  dir: string;
  pid: number;
  since: string;
}

export function readLockHolder(): LockHolder | undefined {
  try {
    return JSON.parse(readFileSync(lockFile, 'utf8')) as LockHolder;
  } catch {
    return undefined;
  }
}

function environmentAlive(dir: string): boolean {
  const file = join(dir, 'environment.json');
  if (!existsSync(file)) return false;
  const env = JSON.parse(readFileSync(file, 'utf8')) as { processes?: { pid: number }[] };
  return (env.processes ?? []).some((p) => isAlive(p.pid));
}

export const isStale = (holder: LockHolder): boolean => !isAlive(holder.pid) && !environmentAlive(holder.dir);

function heldBy(holder: LockHolder | undefined): Error {
  return new Error(
    `a real node is already running on this machine (environment ${holder?.dir ?? '?'}, started by pid ${holder?.pid ?? '?'} ` +
      `at ${holder?.since ?? '?'}); stop it first (make cluster-down, or let that test run finish)`,
  );
}

/**
 * Takes the lock for the environment in `dir` (creating the file exclusively, so two runs
 * cannot both win), or throws naming who holds it. Returns the stale holder it replaced, if any.
 */
export function acquireNodeLock(dir: string): LockHolder | undefined {
  const mine = JSON.stringify({ dir, pid: process.pid, since: new Date().toISOString() });
  try {
    writeFileSync(lockFile, mine, { flag: 'wx' });
    return undefined;
  } catch {
    const holder = readLockHolder();
    if (holder && holder.dir !== dir && !isStale(holder)) throw heldBy(holder);
    rmSync(lockFile, { force: true });
    try {
      writeFileSync(lockFile, mine, { flag: 'wx' });
    } catch {
      throw heldBy(readLockHolder());
    }
    return holder && holder.dir !== dir ? holder : undefined;
  }
}

export function releaseNodeLock(dir: string): void {
  if (readLockHolder()?.dir === dir) rmSync(lockFile, { force: true });
}
