/**
 * A picture of what a real node could leave on the machine: links, addresses, routes, network
 * namespaces, iptables and ip6tables rules, ipsets, mounts, cgroups, kubelet's kernel settings, the
 * paths its programs make outside the run directory, and the lock.
 * The cleanup spec takes one before the node starts and one after cluster-down, and compares.
 * Counters are left out (they change without anyone adding anything).
 */
import { existsSync, readFileSync } from 'node:fs';
import { cgroupRootDirs } from './cgroups.js';
import { globalPaths } from './host-paths.js';
import { lockFile } from './lock.js';
import { run } from './shell.js';
import { readSysctls } from './sysctls.js';

export type HostState = Record<string, string[]>;

const lines = (text: string): string[] =>
  text
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean);
const rules = (save: string): string[] =>
  lines(run(save, []))
    .filter((line) => !line.startsWith('#'))
    .map((line) => line.replace(/ \[\d+:\d+\]$/, ''));

export function captureHostState(): HostState {
  return {
    links: lines(run('ip', ['-o', 'link'])).map((line) => line.split(':')[1]?.trim().split('@')[0] ?? line),
    addresses: lines(run('ip', ['-o', '-4', 'addr'])).map((line) => line.split(/\s+/).slice(1, 4).join(' ')),
    routes: lines(run('ip', ['route'])),
    netns: lines(run('ip', ['netns', 'list'])).map((line) => line.split(' ')[0] ?? line),
    iptables: rules('iptables-save'),
    ip6tables: rules('ip6tables-save'),
    ipsets: lines(run('ipset', ['list', '-n'])),
    mounts: lines(readFileSync('/proc/self/mountinfo', 'utf8')).map((line) => line.split(' ')[4] ?? line),
    cgroups: cgroupRootDirs().filter((dir) => existsSync(dir)),
    sysctls: Object.entries(readSysctls()).map(([key, value]) => `${key}=${value}`),
    files: [lockFile, ...globalPaths].filter((path) => existsSync(path)),
  };
}

/** What `after` has that `before` had not, and the reverse, one line each. */
export function hostStateDifferences(before: HostState, after: HostState): string[] {
  return Object.keys(before).flatMap((kind) => {
    const was = new Set(before[kind]);
    const is = new Set(after[kind]);
    return [
      ...[...is].filter((item) => !was.has(item)).map((item) => `${kind}: left behind ${item}`),
      ...[...was].filter((item) => !is.has(item)).map((item) => `${kind}: missing ${item}`),
    ];
  });
}
