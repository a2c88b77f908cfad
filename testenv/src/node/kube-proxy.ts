/**
 * kube-proxy in iptables mode, in the node's network namespace: Service ClusterIPs (and the
 * `kubernetes` Service to kube-apiserver on the host) are DNATed there. It leaves the machine's
 * conntrack settings alone (they are global, and other work shares this machine), and opens node
 * ports only on the node's address.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startProcess, waitUntil, type ManagedProcess } from '../processes.js';
import { names, nodeAddress, podCIDR } from './addresses.js';
import { inNetns } from './shell.js';

export interface KubeProxyLaunch {
  nodeDir: string;
  logDir: string;
  kubeconfig: string;
  binary: string;
}

function proxyConfig(kubeconfig: string): unknown {
  return {
    apiVersion: 'kubeproxy.config.k8s.io/v1alpha1',
    kind: 'KubeProxyConfiguration',
    mode: 'iptables',
    clientConnection: { kubeconfig },
    hostnameOverride: names.node,
    bindAddress: nodeAddress,
    healthzBindAddress: '127.0.0.1:10256',
    metricsBindAddress: '127.0.0.1:10249',
    clusterCIDR: podCIDR,
    detectLocalMode: 'ClusterCIDR',
    nodePortAddresses: [`${nodeAddress}/32`],
    conntrack: { maxPerCore: 0, min: 0, tcpEstablishedTimeout: '0s', tcpCloseWaitTimeout: '0s' },
    iptables: { syncPeriod: '30s', minSyncPeriod: '0s' },
  };
}

export async function startKubeProxy(launch: KubeProxyLaunch, processes: ManagedProcess[]): Promise<void> {
  const configFile = join(launch.nodeDir, 'kube-proxy.yaml');
  writeFileSync(configFile, stringify(proxyConfig(launch.kubeconfig)));
  const proxy = startProcess({
    name: 'kube-proxy',
    command: launch.binary,
    args: [`--config=${configFile}`, '--v=1'],
    log: join(launch.logDir, 'kube-proxy.log'),
    netns: names.nodeNetns,
  });
  processes.push(proxy);
  // Ready once it has written its Service chains (the `kubernetes` Service is always there).
  await waitUntil(proxy, 'kube-proxy to program the kubernetes Service', () =>
    Promise.resolve(inNetns(names.nodeNetns, 'iptables', ['-w', '-t', 'nat', '-S', 'KUBE-SERVICES']).includes('default/kubernetes')),
  );
}
