/**
 * Finding the real node's programs: kubelet and kube-proxy come with the control plane
 * (hack/build-control-plane.sh), kube-router, CoreDNS, crictl and pause from hack/build-node.sh,
 * and containerd, runc, the CNI plugins and busybox from Debian's packages (hack/setup.sh).
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Binaries } from '../binaries.js';
import { repoRoot } from '../paths.js';

export interface NodeBinaries {
  kubelet: string;
  kubeProxy: string;
  kubeRouter: string;
  coredns: string;
  crictl: string;
  pause: string;
  containerd: string;
  /** Where containerd-shim-runc-v2 is (containerd finds its shims on PATH). */
  containerdDir: string;
  ctr: string;
  runc: string;
  cniPlugins: string;
  busybox: string;
}

/** What Debian's packages install, and the package that brings each (for the error message). */
export const debianPrograms = {
  containerd: ['/usr/bin/containerd', 'containerd'],
  shim: ['/usr/bin/containerd-shim-runc-v2', 'containerd'],
  ctr: ['/usr/bin/ctr', 'containerd'],
  runc: ['/usr/sbin/runc', 'runc'],
  ptp: ['/usr/lib/cni/ptp', 'containernetworking-plugins'],
  hostLocal: ['/usr/lib/cni/host-local', 'containernetworking-plugins'],
  loopback: ['/usr/lib/cni/loopback', 'containernetworking-plugins'],
  busybox: ['/bin/busybox', 'busybox-static'],
  iptables: ['/usr/sbin/iptables', 'iptables'],
  ipset: ['/usr/sbin/ipset', 'ipset'],
  conntrack: ['/usr/sbin/conntrack', 'conntrack'],
  nsenter: ['/usr/bin/nsenter', 'util-linux'],
  ip: ['/usr/bin/ip', 'iproute2'],
} as const;

let built: string | undefined;

function nodeBuildDir(): string {
  built ??= execFileSync('bash', [join(repoRoot, 'hack/build-node.sh')], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  }).trim();
  return built;
}

export function findNodeBinaries(controlPlane: Binaries): NodeBinaries {
  const dir = nodeBuildDir();
  const missing = Object.values(debianPrograms).filter(([path]) => !existsSync(path));
  if (missing.length > 0) throw new Error(`missing ${missing.map(([path, pkg]) => `${path} (${pkg})`).join(', ')}: run make setup`);
  return {
    kubelet: controlPlane.kubelet,
    kubeProxy: controlPlane['kube-proxy'],
    kubeRouter: join(dir, 'kube-router'),
    coredns: join(dir, 'coredns'),
    crictl: join(dir, 'crictl'),
    pause: join(dir, 'pause'),
    containerd: debianPrograms.containerd[0],
    containerdDir: dirname(debianPrograms.shim[0]),
    ctr: debianPrograms.ctr[0],
    runc: debianPrograms.runc[0],
    cniPlugins: dirname(debianPrograms.ptp[0]),
    busybox: debianPrograms.busybox[0],
  };
}
