/**
 * The node's kubelet, in the node's network namespace. It serves (10250, exec and logs for
 * kube-apiserver) only on the node's address, with a certificate the API server verifies, and
 * authorizes callers through the API server; it keeps its state under the run directory and its
 * pods' cgroups under a cgroup root of its own (cgroups.ts), with the cgroupfs driver because
 * this machine has cgroup v1 and no systemd.
 */
import { join } from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startProcess, type ManagedProcess } from '../processes.js';
import { clusterDomain, dnsServiceIP, names, nodeAddress } from './addresses.js';
import type { NodeCertificates } from './certs.js';

export interface KubeletLaunch {
  nodeDir: string;
  logDir: string;
  kubeconfig: string;
  caCert: string;
  certs: NodeCertificates;
  containerdSocket: string;
  cgroupRoot: string;
  kubeletBinary: string;
}

function kubeletConfig(launch: KubeletLaunch): unknown {
  return {
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    // Kubernetes 1.35+ refuses cgroup v1 unless told otherwise (KEP-5573).
    failCgroupV1: false,
    cgroupDriver: 'cgroupfs',
    cgroupRoot: launch.cgroupRoot,
    containerRuntimeEndpoint: `unix://${launch.containerdSocket}`,
    address: nodeAddress,
    port: 10250,
    readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1',
    healthzPort: 10248,
    tlsCertFile: launch.certs.kubeletServing.cert,
    tlsPrivateKeyFile: launch.certs.kubeletServing.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: launch.caCert } },
    authorization: { mode: 'Webhook' },
    // Container logs under the run directory (it still links them from /var/log/containers).
    podLogsDir: join(launch.nodeDir, 'pod-logs'),
    clusterDNS: [dnsServiceIP],
    clusterDomain,
    // Not the host's resolv.conf: pods must never be pointed at a real DNS server.
    resolvConf: '',
    failSwapOn: false,
    // The disk is shared: never evict for disk pressure, and never collect images, which
    // cannot be pulled again here.
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'imagefs.available': '1%' },
    imageGCHighThresholdPercent: 100,
    maxPods: 110,
    registerNode: true,
    serializeImagePulls: false,
    // It sets vm.overcommit_memory, kernel.panic and kernel.panic_on_oops; the node puts the
    // machine's values back on teardown (sysctls.ts).
    protectKernelDefaults: false,
  };
}

/** Starts kubelet; the caller waits for its Node to become Ready. */
export function startKubelet(launch: KubeletLaunch, processes: ManagedProcess[]): ManagedProcess {
  const rootDir = join(launch.nodeDir, 'kubelet');
  mkdirSync(rootDir, { recursive: true });
  const configFile = join(launch.nodeDir, 'kubelet.yaml');
  writeFileSync(configFile, stringify(kubeletConfig(launch)));
  const kubelet = startProcess({
    name: 'kubelet',
    command: launch.kubeletBinary,
    args: [
      `--config=${configFile}`,
      `--kubeconfig=${launch.kubeconfig}`,
      `--root-dir=${rootDir}`,
      `--cert-dir=${join(rootDir, 'pki')}`,
      `--hostname-override=${names.node}`,
      `--node-ip=${nodeAddress}`,
      '--v=1',
    ],
    log: join(launch.logDir, 'kubelet.log'),
    netns: names.nodeNetns,
  });
  processes.push(kubelet);
  return kubelet;
}
