/**
 * Whether this machine can run a real node, answered in one line so that a caller (make demo,
 * the node specs) can say why and fall back to KWOK. It checks what a node needs and a machine
 * may lack: root, the Debian programs (containerd, runc, CNI plugins, iptables, ...), overlayfs,
 * writable cgroups, and network namespaces. It does not build anything.
 */
import { existsSync, readFileSync } from 'node:fs';
import { debianPrograms } from './binaries.js';
import { cgroupRootDirs } from './cgroups.js';
import { tryRun } from './shell.js';

export type RealNodeSupport = { ok: true } | { ok: false; reason: string };

function firstProblem(): string | undefined {
  if (process.platform !== 'linux') return `a real node needs Linux (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'a real node needs root (network namespaces, iptables, cgroups, mounts)';
  for (const [path, pkg] of Object.values(debianPrograms)) {
    if (!existsSync(path)) return `${path} is missing (Debian package ${pkg}; make setup installs it)`;
  }
  if (!readFileSync('/proc/filesystems', 'utf8').includes('overlay'))
    return "the kernel has no overlay filesystem (containerd's snapshotter needs it)";
  if (cgroupRootDirs().length === 0) return 'no cgroup hierarchy is mounted under /sys/fs/cgroup';
  if (tryRun('unshare', ['--net', 'true']) === undefined) return 'cannot create a network namespace (unshare --net failed)';
  if (tryRun('iptables', ['-w', '-t', 'mangle', '-S']) === undefined) return 'iptables does not work here (mangle table unavailable)';
  return undefined;
}

export function realNodeSupport(): RealNodeSupport {
  const reason = firstProblem();
  return reason ? { ok: false, reason } : { ok: true };
}

/**
 * The node a command asked for with NODE (make passes it on as BULKHEAD_NODE_REQUEST, because npm
 * and npx overwrite NODE): `real`, `kwok`, or `auto` (real where the machine can run one, else
 * KWOK, saying why in one line on `say`). Unset means `fallback`.
 */
export function requestedNode(
  wanted: string | undefined,
  fallback: 'kwok' | 'auto',
  say: (line: string) => void = console.log,
): 'real' | 'kwok' {
  const choice = wanted || fallback; // make exports NODE empty when it is not set
  if (choice === 'real' || choice === 'kwok') return choice;
  if (choice !== 'auto') throw new Error(`NODE must be kwok, real or auto (got ${choice})`);
  const support = realNodeSupport();
  if (support.ok) return 'real';
  say(`No real node on this machine (${support.reason}): pods run on KWOK's fake node`);
  return 'kwok';
}
