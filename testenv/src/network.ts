/**
 * The test cluster's address ranges, which the operator's configuration needs (network.clusterCIDRs):
 * tenants' declared egress is bounded away from them. With KWOK, pods and Services only have
 * fictitious addresses in these ranges and nothing is ever dialled.
 */
import type { Environment } from './environment.js';

/** KWOK's pod addresses (its --cidr) and the API server's --service-cluster-ip-range. */
export const kwokPodCidr = '10.244.0.0/16';
export const kwokServiceCidr = '10.0.0.0/20';

export interface ClusterRanges {
  pods: string[];
  services: string[];
  nodes: string[];
}

/** As the operator configuration's network.clusterCIDRs writes them. */
export function clusterRanges(env: Environment): ClusterRanges {
  const network = (env as { network?: { podCIDR?: string; serviceCIDR?: string; nodeAddresses?: string[] } }).network;
  if (network?.podCIDR && network.serviceCIDR) {
    return { pods: [network.podCIDR], services: [network.serviceCIDR], nodes: (network.nodeAddresses ?? []).map(hostRange) };
  }
  // KWOK's node has no address of its own: it says 127.0.0.1.
  return { pods: [kwokPodCidr], services: [kwokServiceCidr], nodes: ['127.0.0.1/32'] };
}

const hostRange = (address: string): string => (address.includes(':') ? `${address}/128` : `${address}/32`);
