/**
 * Taking the real node apart so that nothing is left on the machine: pods are stopped through CRI
 * first (so the CNI plugin removes their links, addresses and namespaces), then the node's
 * servers stop, and whatever survived a crash is removed by force: container processes (found
 * by their cgroups and by the namespaces they hold), mounts under the node's directory, pod
 * network namespaces, the cgroup root, the environment's namespaces (which takes every veth,
 * route, iptables rule and ipset of the node with them), what its programs made outside its
 * directory (host-paths.ts), kubelet's kernel settings, and the lock.
 * Every step tolerates finding nothing, so it also cleans up after a killed run.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { isAlive, stopProcess, type ManagedProcess } from '../processes.js';
import { cgroupPids, removeCgroupRoot } from './cgroups.js';
import { removeCreatedGlobalPaths } from './host-paths.js';
import { releaseNodeLock } from './lock.js';
import { deleteNetwork, environmentNetns } from './network.js';
import { netnsPath, run, tryRun } from './shell.js';
import { restoreSysctls } from './sysctls.js';

/** What the node records in environment.json so that any later process can take it apart. */
export interface RealNodeState {
  /** The environment's directory (the lock names it). */
  environmentDir: string;
  nodeDir: string;
  containerdSocket: string;
  crictl: string;
  /** kubelet's kernel settings as they were before it started. */
  savedSysctls: Record<string, string>;
  /** Network namespaces that existed before the node (pod namespaces are the new cni-* ones). */
  netnsBefore: string[];
  /** Which of host-paths.ts's global paths existed before the node (teardown removes the others). */
  globalPathsBefore: string[];
}

/** The node's servers, stopped in this order: kubelet first so it restarts nothing. */
export const nodeProcessNames = ['kubelet', 'kube-proxy', 'kube-router', 'external-declared', 'external-undeclared', 'containerd'];

function stopPodsThroughCri(state: RealNodeState): void {
  if (!existsSync(state.containerdSocket)) return;
  const crictl = (...args: string[]): string | undefined =>
    tryRun(state.crictl, ['--runtime-endpoint', `unix://${state.containerdSocket}`, '--timeout', '20s', ...args]);
  const pods = (crictl('pods', '--quiet') ?? '').split('\n').filter(Boolean);
  for (const pod of pods) crictl('stopp', pod);
  if (pods.length > 0) crictl('rmp', '--all', '--force');
}

export async function stopNodeProcesses(state: RealNodeState, processes: ManagedProcess[]): Promise<void> {
  const byName = (name: string): ManagedProcess | undefined => processes.find((p) => p.name === name);
  const kubelet = byName('kubelet');
  if (kubelet) await stopProcess(kubelet);
  stopPodsThroughCri(state);
  // Nothing depends on anything else any more: stop the rest together.
  const rest = nodeProcessNames
    .slice(1)
    .map(byName)
    .filter((proc): proc is ManagedProcess => proc !== undefined);
  await Promise.all(rest.map((proc) => stopProcess(proc)));
}

/** Pids of processes whose command line mentions `needle` (containerd's shims name its socket). */
function pidsMentioning(needle: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(needle);
      } catch {
        return false;
      }
    });
}

/** Pids of processes inside any of the environment's network namespaces. */
function pidsInNetns(): number[] {
  const inodes = new Set(
    environmentNetns()
      .filter((ns) => existsSync(netnsPath(ns)))
      .map((ns) => `net:[${statSync(netnsPath(ns)).ino}]`),
  );
  if (inodes.size === 0) return [];
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((pid) => {
      try {
        return inodes.has(readlinkSync(`/proc/${pid}/ns/net`));
      } catch {
        return false;
      }
    });
}

async function killLeftovers(state: RealNodeState): Promise<void> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const pids = [...new Set([...pidsMentioning(state.containerdSocket), ...cgroupPids(), ...pidsInNetns()])].filter(
      (pid) => pid !== process.pid,
    );
    if (pids.length === 0) return;
    for (const pid of pids) if (isAlive(pid)) process.kill(pid, 'SIGKILL');
    await sleep(100);
  }
}

/** Mount points under `prefix`, deepest first, from this (the host's) mount namespace. */
function mountsUnder(prefixes: string[]): string[] {
  const points = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (line.split(' ')[4] ?? '').replace(/\\(\d{3})/g, (_m, octal: string) => String.fromCharCode(parseInt(octal, 8))));
  return [...new Set(points.filter((point) => prefixes.some((prefix) => point === prefix || point.startsWith(`${prefix}/`))))].sort(
    (a, b) => b.length - a.length,
  );
}

/** Pod network namespaces containerd made (cni-*), which were not there before the node. */
function podNetns(state: RealNodeState): string[] {
  const before = new Set(state.netnsBefore);
  const dir = '/run/netns';
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('cni-') && !before.has(name)) : [];
}

function unmountAll(state: RealNodeState): void {
  const pods = podNetns(state).map(netnsPath);
  for (const point of mountsUnder([state.nodeDir, ...pods])) tryRun('umount', ['--lazy', point]);
  for (const path of pods) rmSync(path, { force: true });
}

async function removeCgroups(): Promise<void> {
  for (let attempt = 0; attempt < 50 && removeCgroupRoot().length > 0; attempt++) await sleep(100);
  const left = removeCgroupRoot();
  if (left.length > 0) throw new Error(`cgroups still busy after teardown: ${left.join(', ')}`);
}

/** Removes everything the node made, after its servers (and the control plane using its network) stopped. */
export async function removeNodeLeftovers(state: RealNodeState): Promise<void> {
  await killLeftovers(state);
  unmountAll(state);
  await removeCgroups();
  deleteNetwork();
  restoreSysctls(state.savedSysctls);
  removeCreatedGlobalPaths(state.globalPathsBefore, state.nodeDir);
  rmSync(state.nodeDir, { recursive: true, force: true });
  releaseNodeLock(state.environmentDir);
  const left = environmentNetns().filter((ns) => existsSync(netnsPath(ns)));
  if (left.length > 0) throw new Error(`network namespaces left after teardown: ${left.join(', ')}`);
  if (tryRun('ip', ['link', 'show', 'bulkhead0']) !== undefined) run('ip', ['link', 'delete', 'bulkhead0']);
}

export const nodeDirOf = (environmentDir: string): string => join(environmentDir, 'run', 'node');
