/**
 * A real Kubernetes node for the local environment, in two steps around the control plane:
 * prepareRealNode() takes the machine-wide lock and makes the network (kube-apiserver and the
 * platform services listen on it), then startRealNode() brings up containerd with the locally
 * built images, kubelet, kube-proxy, kube-router's firewall, the egress guard, CoreDNS and the
 * external hosts, and returns once the node is Ready and DNS answers. teardown.ts undoes it all.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Binaries } from '../binaries.js';
import type { ClusterCertificates } from '../certs.js';
import { kubeRequest, type KubeTarget } from '../kube-request.js';
import { writeKubeconfig } from '../kubeconfig.js';
import { waitUntil, type ManagedProcess } from '../processes.js';
import { names, nodePodCIDR } from './addresses.js';
import { apply } from './apply.js';
import { createCgroupRoot, cgroupRoot } from './cgroups.js';
import { generateNodeCertificates, type NodeCertificates } from './certs.js';
import { existingGlobalPaths } from './host-paths.js';
import { startContainerd } from './containerd.js';
import { corednsObjects } from './coredns.js';
import { installEgressGuard } from './egress-guard.js';
import { startExternalHosts } from './external-hosts.js';
import { findNodeBinaries, type NodeBinaries } from './binaries.js';
import { buildNodeImages } from './images/catalog.js';
import { importImage } from './images/oci-archive.js';
import { startKubelet } from './kubelet.js';
import { startKubeProxy } from './kube-proxy.js';
import { startKubeRouter } from './kube-router.js';
import { acquireNodeLock, type LockHolder } from './lock.js';
import { createNetwork, deleteNetwork } from './network.js';
import { nodeRbac } from './rbac.js';
import { readSysctls } from './sysctls.js';
import { nodeDirOf, removeNodeLeftovers, type RealNodeState } from './teardown.js';

/** Takes the machine-wide lock (throwing if another node holds it) and clears what a stale node left. */
export async function prepareRealNode(environmentDir: string, bin: Binaries): Promise<RealNodeState> {
  const nodeBin = findNodeBinaries(bin);
  const stale = acquireNodeLock(environmentDir);
  if (stale) await clearStaleNode(stale, environmentDir, nodeBin);
  // Read only now: a stale node's kubelet may have changed the kernel settings until just before.
  return machineStateBefore(environmentDir, nodeBin);
}

function machineStateBefore(environmentDir: string, nodeBin: NodeBinaries): RealNodeState {
  const nodeDir = nodeDirOf(environmentDir);
  return {
    environmentDir,
    nodeDir,
    containerdSocket: join(nodeDir, 'containerd', 'containerd.sock'),
    crictl: nodeBin.crictl,
    savedSysctls: readSysctls(),
    netnsBefore: existsSync('/run/netns') ? readdirSync('/run/netns') : [],
    globalPathsBefore: existingGlobalPaths(),
  };
}

/**
 * A node whose holder died without cleaning up (its environment.json is gone, or its servers all
 * died): take it apart with what it recorded before it started, where that survived, so the
 * machine gets its own kernel settings back rather than the dead kubelet's.
 */
async function clearStaleNode(stale: LockHolder, environmentDir: string, nodeBin: NodeBinaries): Promise<void> {
  console.warn(`Removing the leftovers of a real node whose environment is gone (${stale.dir})`);
  const recorded = readRecordedState(stale.dir);
  // Without its record, restore no kernel setting and keep every global path that exists now.
  const fallback = { ...machineStateBefore(stale.dir, nodeBin), savedSysctls: {} };
  await removeNodeLeftovers(recorded ?? fallback);
  // Its servers are all dead: a later cluster-down must not signal their (reusable) pids.
  rmSync(join(stale.dir, 'environment.json'), { force: true });
  acquireNodeLock(environmentDir);
}

function readRecordedState(dir: string): RealNodeState | undefined {
  try {
    return (JSON.parse(readFileSync(join(dir, 'environment.json'), 'utf8')) as { realNode?: RealNodeState }).realNode;
  } catch {
    return undefined;
  }
}

/** The node's directory, cgroup root and network; kube-apiserver and the platform listen on the network. */
export function makeNodeNetwork(state: RealNodeState): void {
  deleteNetwork(); // namespaces a crashed run may have left
  mkdirSync(state.nodeDir, { recursive: true });
  createCgroupRoot();
  createNetwork();
}

export interface NodeLaunch {
  state: RealNodeState;
  bin: Binaries;
  certs: ClusterCertificates;
  server: string;
  /** kube-apiserver's port, the only one pods may reach on the host. */
  apiServerPort: number;
  adminKubeconfig: string;
  processes: ManagedProcess[];
}

function componentKubeconfigs(launch: NodeLaunch, certs: NodeCertificates): Record<'kubelet' | 'kubeProxy' | 'kubeRouter', string> {
  const write = (name: string, client: typeof certs.kubeletClient): string => {
    const path = join(launch.state.nodeDir, `${name}.kubeconfig`);
    writeKubeconfig(path, { server: launch.server, caCert: launch.certs.caCert, user: name, client });
    return path;
  };
  return {
    kubelet: write('kubelet', certs.kubeletClient),
    kubeProxy: write('kube-proxy', certs.kubeProxy),
    kubeRouter: write('kube-router', certs.kubeRouter),
  };
}

async function startRuntime(launch: NodeLaunch, nodeBin: NodeBinaries): Promise<string> {
  const { nodeDir } = launch.state;
  const containerd = await startContainerd(nodeDir, nodeBin, nodePodCIDR, launch.processes);
  const archives = buildNodeImages(join(nodeDir, 'images'), { busybox: nodeBin.busybox, pause: nodeBin.pause, coredns: nodeBin.coredns });
  for (const archive of archives) importImage(nodeBin.ctr, containerd.socket, archive);
  return containerd.socket;
}

async function waitForNodeReady(admin: KubeTarget, kubelet: ManagedProcess): Promise<void> {
  await waitUntil(
    kubelet,
    `node ${names.node} to be Ready`,
    async () => {
      const response = await kubeRequest(admin, 'GET', `/api/v1/nodes/${names.node}`);
      const node = JSON.parse(response.body) as { status?: { conditions?: { type: string; status: string }[] } };
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
    },
    120_000,
  );
}

async function waitForDns(admin: KubeTarget, kubelet: ManagedProcess): Promise<void> {
  await waitUntil(
    kubelet,
    'CoreDNS to be available',
    async () => {
      const response = await kubeRequest(admin, 'GET', '/apis/apps/v1/namespaces/kube-system/deployments/coredns');
      return ((JSON.parse(response.body) as { status?: { availableReplicas?: number } }).status?.availableReplicas ?? 0) >= 1;
    },
    120_000,
  );
}

/** Starts the node's servers on the network prepareRealNode() made; returns once pods can run and resolve names. */
export async function startRealNode(launch: NodeLaunch): Promise<void> {
  const nodeBin = findNodeBinaries(launch.bin);
  const logDir = join(launch.state.nodeDir, '..', 'logs');
  const admin: KubeTarget = { server: launch.server, caCert: launch.certs.caCert, client: launch.certs.clients.admin };
  const applier = {
    kubectl: launch.bin.kubectl,
    kubeconfig: launch.adminKubeconfig,
    cacheDir: join(launch.state.nodeDir, 'kubectl-cache'),
  };
  const certs = generateNodeCertificates(launch.certs);
  const kubeconfigs = componentKubeconfigs(launch, certs);
  apply(applier, nodeRbac());
  installEgressGuard(launch.apiServerPort);
  const socket = await startRuntime(launch, nodeBin);
  const kubelet = startKubelet(
    {
      nodeDir: launch.state.nodeDir,
      logDir,
      kubeconfig: kubeconfigs.kubelet,
      caCert: launch.certs.caCert,
      certs,
      containerdSocket: socket,
      cgroupRoot,
      kubeletBinary: nodeBin.kubelet,
    },
    launch.processes,
  );
  // kube-router reads its Node object once at start, so it comes after kubelet registered it.
  await Promise.all([
    waitForNodeReady(admin, kubelet),
    startExternalHosts(launch.state.nodeDir, logDir, nodeBin.busybox, launch.processes),
  ]);
  await Promise.all([
    startKubeProxy(
      { nodeDir: launch.state.nodeDir, logDir, kubeconfig: kubeconfigs.kubeProxy, binary: nodeBin.kubeProxy },
      launch.processes,
    ),
    startKubeRouter({ logDir, kubeconfig: kubeconfigs.kubeRouter, binary: nodeBin.kubeRouter }, launch.processes),
  ]);
  apply(applier, corednsObjects());
  await waitForDns(admin, kubelet);
}
