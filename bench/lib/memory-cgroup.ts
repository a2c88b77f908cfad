/**
 * A memory cgroup of the chart's limit, so that the bench runs the compiled operator as a pod with
 * `resources.limits.memory` runs: the kernel charges its pages to the group and kills it when the
 * group goes over, and Node sizes its heap from the limit (`process.constrainedMemory()`: at 512 MiB
 * Node 20 allows a heap of 259 MiB, against 4 GiB on this 24 GiB machine unconstrained). A peak
 * read from a process without the limit says nothing about whether the pod survives: V8 grows a
 * heap it has room for instead of collecting, and a heap limit it would hit in the pod is never
 * reached there.
 *
 * Both cgroup versions: v1 (`/sys/fs/cgroup/memory/<name>`, memory.limit_in_bytes,
 * memory.max_usage_in_bytes, memory.oom_control) and v2 (`/sys/fs/cgroup/<name>`, memory.max,
 * memory.peak, memory.events). Creating one needs root; where it cannot be made, the caller gets
 * the reason and says the measurement was not taken.
 */
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = '/sys/fs/cgroup';

export interface MemoryCgroup {
  /** Where a process writes its pid to join the group (before it execs node, so Node sees the limit). */
  procsFile: string;
  limitBytes: number;
  /** The most the group was charged at once (v2 without memory.peak: undefined). */
  peakBytes(): number | undefined;
  /** How many times the kernel's OOM killer killed a process of the group. */
  oomKills(): number;
  /** Removes the group (its processes must have exited). */
  remove(): void;
}

const readNumber = (file: string): number | undefined => {
  if (!existsSync(file)) return undefined;
  const value = Number(readFileSync(file, 'utf8').trim());
  return Number.isFinite(value) ? value : undefined;
};

/** `oom_kill N` out of memory.oom_control (v1) or memory.events (v2); 0 when the kernel does not count it. */
export function oomKillCount(text: string): number {
  const match = /^oom_kill (\d+)$/m.exec(text);
  return match ? Number(match[1]) : 0;
}

function writeIfPresent(file: string, value: string): void {
  if (existsSync(file)) writeFileSync(file, value);
}

function v1(name: string, limitBytes: number): MemoryCgroup {
  const dir = join(root, 'memory', name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.limit_in_bytes'), String(limitBytes));
  // Without swap in the limit, a machine with swap would page the process out instead of killing it;
  // the kubelet runs pods without swap. The file exists only where the kernel accounts swap.
  writeIfPresent(join(dir, 'memory.memsw.limit_in_bytes'), String(limitBytes));
  return {
    procsFile: join(dir, 'cgroup.procs'),
    limitBytes,
    peakBytes: () => readNumber(join(dir, 'memory.max_usage_in_bytes')),
    oomKills: () => oomKillCount(readFileSync(join(dir, 'memory.oom_control'), 'utf8')),
    remove: () => rmdirSync(dir),
  };
}

function v2(name: string, limitBytes: number): MemoryCgroup {
  const controllers = readFileSync(join(root, 'cgroup.subtree_control'), 'utf8');
  if (!controllers.split(/\s+/).includes('memory')) throw new Error(`${root}/cgroup.subtree_control does not enable the memory controller`);
  const dir = join(root, name);
  mkdirSync(dir);
  writeFileSync(join(dir, 'memory.max'), String(limitBytes));
  writeIfPresent(join(dir, 'memory.swap.max'), '0'); // as in v1: no swap, as the kubelet runs pods
  return {
    procsFile: join(dir, 'cgroup.procs'),
    limitBytes,
    peakBytes: () => readNumber(join(dir, 'memory.peak')),
    oomKills: () => oomKillCount(readFileSync(join(dir, 'memory.events'), 'utf8')),
    remove: () => rmdirSync(dir),
  };
}

/** A new memory cgroup `name` limited to `limitBytes`, or why one cannot be made here. */
export function createMemoryCgroup(name: string, limitBytes: number): MemoryCgroup | { unavailable: string } {
  try {
    if (existsSync(join(root, 'memory', 'memory.limit_in_bytes'))) return v1(name, limitBytes);
    if (existsSync(join(root, 'cgroup.controllers'))) return v2(name, limitBytes);
    return { unavailable: `no memory cgroup controller under ${root}` };
  } catch (error) {
    return { unavailable: `cannot make a memory cgroup: ${error instanceof Error ? error.message : String(error)}` };
  }
}

/**
 * The command that runs `command` inside the group: a shell writes its own pid into the group and
 * then becomes the command, so the process (and its pid) is the command's from its first instruction.
 */
export function inCgroup(group: MemoryCgroup, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: '/bin/sh', args: ['-c', 'echo $$ > "$0" && exec "$@"', group.procsFile, command, ...args] };
}
