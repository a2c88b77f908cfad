/**
 * What the environment's network looks like, written into environment.json for the operator's
 * specs, the demo and the audit probes: which CIDRs tenants' egress must exclude, where the node
 * and the platform services are, and which "external" hosts exist. See node/addresses.ts for the plan.
 */
import { hostCidr } from '../../operator/src/api/cidr.js';
import {
  dnsServiceIP,
  externalHosts,
  hostAddress,
  nodeAddress,
  platformAddress,
  podCIDR,
  podGateway,
  serviceCIDR,
  type ExternalHost,
} from './node/addresses.js';

export type NodeKind = 'real' | 'kwok';

export interface EnvironmentNetwork {
  node: NodeKind;
  podCIDR: string;
  serviceCIDR: string;
  /** Every address of the node (a real node: its VPC address and its side of the pod links). */
  nodeAddresses: string[];
  /** Where PostgreSQL and the KMS emulator listen (127.0.0.1 with KWOK). */
  platformAddresses: string[];
  /** Where kube-apiserver listens (the `kubernetes` Service's endpoint with a real node). */
  apiServerAddress: string;
  /** The kube-dns Service's ClusterIP (served by CoreDNS with a real node; absent with KWOK). */
  dnsServiceIP?: string;
  /** Hosts outside the cluster that pods may try to reach (none with KWOK). */
  externalHosts: ExternalHost[];
}

export function kwokNetwork(): EnvironmentNetwork {
  return {
    node: 'kwok',
    podCIDR,
    serviceCIDR,
    nodeAddresses: ['127.0.0.1'],
    platformAddresses: ['127.0.0.1'],
    apiServerAddress: '127.0.0.1',
    externalHosts: [],
  };
}

export function realNodeNetwork(): EnvironmentNetwork {
  return {
    node: 'real',
    podCIDR,
    serviceCIDR,
    nodeAddresses: [nodeAddress, podGateway],
    platformAddresses: [platformAddress],
    apiServerAddress: hostAddress,
    dnsServiceIP,
    externalHosts,
  };
}

/** The ranges the operator configuration's network.clusterCIDRs takes: tenants' declared egress is bounded away from them. */
export interface ClusterRanges {
  pods: string[];
  services: string[];
  nodes: string[];
}

export function clusterRanges(env: { network?: EnvironmentNetwork }): ClusterRanges {
  const network = env.network ?? kwokNetwork();
  return { pods: [network.podCIDR], services: [network.serviceCIDR], nodes: network.nodeAddresses.map(hostCidr) };
}
