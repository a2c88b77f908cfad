/**
 * The bench's own child processes, stopped before it exits early. Each part of a run stops what
 * it started in its finally block, but a wait that does not know the run stopped (autocannon's
 * load, a start polling for health) can still hold a child when the bench gives up waiting and
 * exits; a child left then outlives the bench (a terminal's Ctrl-C reaches it, `kill <bench>`
 * does not). Read from /proc: Linux, as the test environment is.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

interface Child {
  pid: number;
  /** A detached server leads its own process group, whose members go with it. */
  leadsGroup: boolean;
}

function childrenOf(parent: number): Child[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return Number(ppid) === parent && state !== 'Z' ? [{ pid: Number(name), leadsGroup: Number(pgid) === Number(name) }] : [];
    } catch {
      return [];
    }
  });
}

function signal(child: Child, name: NodeJS.Signals): void {
  try {
    process.kill(child.leadsGroup ? -child.pid : child.pid, name);
  } catch {
    // gone already
  }
}

/** SIGTERM to each child still running, SIGKILL to those left after `graceMs`; resolves when none is left. */
export async function stopChildren(graceMs = 5_000): Promise<void> {
  const children = childrenOf(process.pid);
  for (const child of children) signal(child, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (childrenOf(process.pid).length > 0 && Date.now() < deadline) await sleep(50);
  for (const child of childrenOf(process.pid)) signal(child, 'SIGKILL');
  while (childrenOf(process.pid).length > 0 && Date.now() < deadline + 2_000) await sleep(50);
}
