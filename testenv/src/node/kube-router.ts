/**
 * kube-router with only its network-policy firewall (what k3s embeds): it turns NetworkPolicies
 * into iptables chains and ipsets in the node's namespace. Routing (BGP) and its service proxy
 * stay off; kube-proxy does Services. Its health port is on the node's address.
 */
import { join } from 'node:path';
import { startProcess, waitUntil, type ManagedProcess } from '../processes.js';
import { names, nodeAddress, serviceCIDR } from './addresses.js';

export const kubeRouterHealthPort = 20244;

export interface KubeRouterLaunch {
  logDir: string;
  kubeconfig: string;
  binary: string;
}

export async function startKubeRouter(launch: KubeRouterLaunch, processes: ManagedProcess[]): Promise<void> {
  const router = startProcess({
    name: 'kube-router',
    command: launch.binary,
    args: [
      `--kubeconfig=${launch.kubeconfig}`,
      `--hostname-override=${names.node}`,
      '--run-firewall=true',
      '--run-router=false',
      '--run-service-proxy=false',
      '--run-loadbalancer=false',
      `--service-cluster-ip-range=${serviceCIDR}`,
      `--health-port=${kubeRouterHealthPort}`,
      '--metrics-port=0',
      '--iptables-sync-period=1m',
      '--v=1',
    ],
    log: join(launch.logDir, 'kube-router.log'),
    netns: names.nodeNetns,
  });
  processes.push(router);
  await waitUntil(
    router,
    'kube-router to be healthy',
    async () => (await fetch(`http://${nodeAddress}:${kubeRouterHealthPort}/healthz`)).ok,
    120_000,
  );
}
