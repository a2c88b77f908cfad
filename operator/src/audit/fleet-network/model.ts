/**
 * What the fleet network audit judges: the live cluster's namespaces, pods and NetworkPolicies
 * (plus stand-in pods for workloads that may appear later), the tenants with what the platform
 * declares for each, and the probes to try.
 */
import type { ExcludedRange } from '../../resources/egress.js';
import type { Assumptions, ClusterState, Probe, Protocol } from '../network/index.js';

/** An address and port a tenant's pods may reach, as resolved for its NetworkPolicy. */
export interface Endpoint {
  address: string;
  port: number;
}

/** A port of the tenant's app Services: a number, or a container port's name resolved per pod. */
export interface ServicePort {
  protocol: Protocol;
  port: number | string;
}

/** A tenant as the network audit sees it: its namespace and the flows the platform declares for it. */
export interface TenantNetworkView {
  name: string;
  namespace: string;
  /** Egress CIDRs the Tenant declares in spec.network.allowEgressCIDRs. */
  allowEgressCIDRs: string[];
  /** Its region's database server, which its pods may reach on the database port only. */
  database?: Endpoint;
  /** Its region's KMS endpoint, when that is an address inside the platform. */
  kms?: Endpoint;
  /** The target ports of the app's Services: all the ingress controller may reach. */
  ingressPorts: ServicePort[];
}

/**
 * The cluster's and platform's address ranges, from the operator configuration and the resolved
 * server addresses: where a pod without an IP may get one, and where declared egress may not lead.
 */
export interface FleetRanges {
  pods: string[];
  services: string[];
  nodes: string[];
  /** Every range declared egress must leave out (resources/egress.ts), named. */
  excluded: ExcludedRange[];
}

/** Where the platform's own traffic comes from and goes to (the operator config's `network`). */
export interface PlatformNetwork {
  ingressNamespace: string;
  dnsNamespace: string;
  dnsPodLabels: Record<string, string>;
}

export interface FleetNetworkInput {
  cluster: ClusterState;
  tenants: TenantNetworkView[];
  platform: PlatformNetwork;
  probes: Probe[];
  assumptions: Assumptions;
  ranges: FleetRanges;
}

/** The matrix's name for every namespace that is not a tenant's. */
export const outsideTenants = '(other)';

/**
 * Names of the stand-in pods the audit adds. A tenant owner may start new pods with any labels, and
 * any namespace without policies may run anything, so the audit also judges an unlabelled new pod in
 * each tenant namespace and an unlabelled pod in a namespace no policy isolates.
 */
export const standIn = {
  newTenantPod: '(new-pod)',
  unisolatedNamespace: '(unisolated-namespace)',
  anyPod: '(any-pod)',
  ingressController: '(ingress-controller)',
  dns: '(dns)',
} as const;

/** The probes a fleet audit tries when none are given: web, the app's port, PostgreSQL and DNS. */
export const defaultFleetProbes: Probe[] = [
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 443 },
  { protocol: 'TCP', port: 8080 },
  { protocol: 'TCP', port: 5432 },
  { protocol: 'UDP', port: 53 },
  { protocol: 'TCP', port: 53 },
];
