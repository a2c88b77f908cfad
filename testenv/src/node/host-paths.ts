/**
 * Paths outside the environment's directory that the node's programs create whatever they are
 * configured with: containerd's shim sockets (/run/containerd/s), libcni's result cache
 * (/var/lib/cni), kubelet's device-plugin socket (/var/lib/kubelet/device-plugins) and its
 * /var/log/containers symlinks, and the /run/netns mount that `ip netns add` makes. The node
 * records which of them existed before it started, and teardown removes the ones it created.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tryRun } from './shell.js';

export const globalPaths = ['/run/containerd', '/var/lib/cni', '/var/lib/kubelet', '/var/log/containers', '/run/netns'] as const;

export function existingGlobalPaths(): string[] {
  return globalPaths.filter((path) => existsSync(path));
}

const isMountPoint = (path: string): boolean =>
  readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((line) => line.split(' ')[4] === path);

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '';
  }
}

/** kubelet links /var/log/containers/*.log to the pod logs under the node's directory. */
function removeLogLinksInto(nodeDir: string): void {
  const dir = '/var/log/containers';
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (linkTarget(path).startsWith(`${nodeDir}/`)) rmSync(path, { force: true });
  }
}

/** Removes what the node created outside its directory; `existedBefore` is existingGlobalPaths() from before it started. */
export function removeCreatedGlobalPaths(existedBefore: string[], nodeDir: string): void {
  removeLogLinksInto(nodeDir);
  for (const path of globalPaths) {
    if (existedBefore.includes(path)) continue;
    if (isMountPoint(path)) tryRun('umount', [path]);
    rmSync(path, { recursive: true, force: true });
  }
}
