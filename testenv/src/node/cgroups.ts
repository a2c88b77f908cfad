/**
 * The node's cgroup root: kubelet puts its pods' cgroups (kubepods/...) under it, and expects it
 * to exist. On cgroup v1 that is one directory per hierarchy; on v2 a single directory. Teardown
 * kills whatever still runs inside and removes the tree, deepest first.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export const cgroupRoot = '/bulkhead';
const mountPoint = '/sys/fs/cgroup';

const isV2 = (): boolean => existsSync(join(mountPoint, 'cgroup.controllers'));

/** The directories that make up the cgroup root on this machine (one per v1 hierarchy). */
export function cgroupRootDirs(): string[] {
  if (isV2()) return [join(mountPoint, cgroupRoot)];
  return readdirSync(mountPoint)
    .filter((hierarchy) => hierarchy !== 'unified' && existsSync(join(mountPoint, hierarchy, 'cgroup.procs')))
    .map((hierarchy) => join(mountPoint, hierarchy, cgroupRoot));
}

export function createCgroupRoot(): void {
  for (const dir of cgroupRootDirs()) mkdirSync(dir, { recursive: true });
}

function subtree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const children = readdirSync(dir)
    .map((entry) => join(dir, entry))
    .filter((path) => statSync(path).isDirectory());
  return [...children.flatMap(subtree), dir];
}

/** Pids still in the node's cgroups (containers whose shim is gone, for instance). */
export function cgroupPids(): number[] {
  const pids = new Set<number>();
  for (const dir of cgroupRootDirs().flatMap(subtree)) {
    for (const line of readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n')) if (line) pids.add(Number(line));
  }
  return [...pids];
}

/** Removes the tree, deepest first; returns the directories that would not go (still busy). */
export function removeCgroupRoot(): string[] {
  const left: string[] = [];
  for (const dir of cgroupRootDirs().flatMap(subtree)) {
    try {
      rmdirSync(dir);
    } catch {
      left.push(dir);
    }
  }
  return left;
}
