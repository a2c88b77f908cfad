/**
 * containerd for the real node (Debian's, with Debian's runc), in the node's network namespace
 * so that the CNI plugins it runs put pod links there. Its root, state, socket, runc state and
 * the CNI configuration all live under the environment's run directory; the CRI plugin's sandbox
 * image is the locally built pause image, and nothing can be pulled from a registry.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pauseImage } from './images/catalog.js';
import { names } from './addresses.js';
import { startProcess, waitUntil, type ManagedProcess } from '../processes.js';
import { run } from './shell.js';
import type { NodeBinaries } from './binaries.js';

export interface ContainerdPaths {
  root: string;
  state: string;
  socket: string;
  cniConfDir: string;
}

/** Unix socket paths are limited to 107 bytes; shims add to ours. */
const maxSocketPath = 100;

export function containerdPaths(nodeDir: string): ContainerdPaths {
  const base = join(nodeDir, 'containerd');
  const paths = {
    root: join(base, 'root'),
    state: join(base, 'state'),
    socket: join(base, 'containerd.sock'),
    cniConfDir: join(nodeDir, 'cni'),
  };
  if (paths.socket.length > maxSocketPath) {
    throw new Error(
      `containerd's socket path is too long for a unix socket (${paths.socket.length} > ${maxSocketPath}): ${paths.socket}; set BULKHEAD_STATE_DIR to a shorter directory`,
    );
  }
  return paths;
}

function config(paths: ContainerdPaths, bin: NodeBinaries): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri"]';
  return `version = 2
root = "${paths.root}"
state = "${paths.state}"
disabled_plugins = ["io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]

[grpc]
  address = "${paths.socket}"

[plugins."io.containerd.internal.v1.opt"]
  path = "${join(paths.root, 'opt')}"

${cri}
  sandbox_image = "${pauseImage}"
  # Exec and port-forward streams: kubelet proxies to them from the same namespace.
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  # This machine's root lacks CAP_SYS_RESOURCE: never ask for an OOM score below containerd's own.
  restrict_oom_score_adj = true
  disable_apparmor = true
  enable_selinux = false
  ${cri.slice(0, -1)}.containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    ${cri.slice(0, -1)}.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      ${cri.slice(0, -1)}.containerd.runtimes.runc.options]
        BinaryName = "${bin.runc}"
        Root = "${join(paths.state, 'runc')}"
        SystemdCgroup = false
  ${cri.slice(0, -1)}.cni]
    bin_dir = "${bin.cniPlugins}"
    conf_dir = "${paths.cniConfDir}"
    max_conf_num = 1
`;
}

/**
 * The CNI configuration: ptp (a routed veth per pod, so every pod packet crosses the node's
 * FORWARD chain where kube-router and the egress guard see it) with host-local addresses from the
 * node's pod range, plus loopback. No masquerade: pods keep their addresses end to end.
 */
function cniConfig(podRange: string, ipamDir: string): string {
  const ipam = { type: 'host-local', ranges: [[{ subnet: podRange }]], routes: [{ dst: '0.0.0.0/0' }], dataDir: ipamDir };
  return JSON.stringify({ cniVersion: '1.0.0', name: 'bulkhead', plugins: [{ type: 'ptp', ipMasq: false, mtu: 1500, ipam }] }, null, 2);
}

export async function startContainerd(
  nodeDir: string,
  bin: NodeBinaries,
  podRange: string,
  processes: ManagedProcess[],
): Promise<ContainerdPaths> {
  const paths = containerdPaths(nodeDir);
  for (const dir of [paths.root, paths.state, paths.cniConfDir]) mkdirSync(dir, { recursive: true, mode: 0o711 });
  const configFile = join(nodeDir, 'containerd.toml');
  writeFileSync(configFile, config(paths, bin));
  // host-local keeps its address leases under the run directory, not in /var/lib/cni.
  writeFileSync(join(paths.cniConfDir, '10-bulkhead.conflist'), cniConfig(podRange, join(nodeDir, 'cni-ipam')));
  const containerd = startProcess({
    name: 'containerd',
    command: bin.containerd,
    args: ['--config', configFile],
    log: join(nodeDir, '..', 'logs', 'containerd.log'),
    netns: names.nodeNetns,
    // Its shims are found on PATH: Debian's containerd-shim-runc-v2 beside it.
    env: { ...process.env, PATH: `${bin.containerdDir}:${process.env.PATH ?? ''}` },
  });
  processes.push(containerd);
  await waitUntil(containerd, 'containerd to answer', () => {
    if (!existsSync(paths.socket)) return Promise.resolve(false);
    run(bin.ctr, ['--address', paths.socket, 'version']);
    return Promise.resolve(true);
  });
  return paths;
}
