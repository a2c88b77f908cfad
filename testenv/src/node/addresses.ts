/**
 * The address plan of the local environment's network, all inside 198.18.0.0/15 (RFC 2544,
 * reserved for network testing), so that no packet a pod sends can ever be meant for a real
 * network. With a real node every address below exists, in network namespaces the environment
 * makes; with KWOK only the Service and pod ranges are used (fake pod IPs, never dialled).
 *
 *   198.18.0.0/24     the "VPC": a bridge in the router namespace joining the host, the node and
 *                     the platform namespace, like a cloud subnet
 *     .1              the host: kube-apiserver listens here (real-node mode)
 *     .2              the node: kubelet, kube-proxy, kube-router, containerd (its own namespace)
 *     .3              the platform: PostgreSQL and the KMS emulator, like managed services in a VPC
 *     .254            the VPC router, the only way to the "external" hosts
 *   198.18.128.0/17   pods (the node's pods take 198.18.128.0/24; .1 is the node's side of each pod link)
 *   198.19.0.0/20     Services (kubernetes 198.19.0.1, kube-dns 198.19.0.10)
 *   198.19.64.0/24    "external" host that tenants may declare as an egress CIDR
 *   198.19.65.0/24    "external" host that no tenant declares
 *   198.19.255.1      nothing: pod traffic to it must be dropped by the node's egress guard
 */

export const testRange = '198.18.0.0/15';
export const vpcCIDR = '198.18.0.0/24';
export const hostAddress = '198.18.0.1';
export const nodeAddress = '198.18.0.2';
export const platformAddress = '198.18.0.3';
export const routerAddress = '198.18.0.254';
export const podCIDR = '198.18.128.0/17';
export const nodePodCIDR = '198.18.128.0/24';
/** The node's own address on every pod's link (the ptp plugin's gateway). */
export const podGateway = '198.18.128.1';
export const serviceCIDR = '198.19.0.0/20';
export const kubernetesServiceIP = '198.19.0.1';
export const dnsServiceIP = '198.19.0.10';
export const clusterDomain = 'cluster.local';
/** An address in the test range where nothing exists; the egress guard must drop pod traffic to it. */
export const unusedAddress = '198.19.255.1';

export interface ExternalHost {
  /** `declared`: a tenant may list its CIDR in allowEgressCIDRs; `undeclared`: none does. */
  name: 'declared' | 'undeclared';
  address: string;
  cidr: string;
  /** The router's address on that host's link. */
  gateway: string;
  /** A plain HTTP listener (busybox httpd) that answers GET / with the host's name. */
  port: number;
}

export const externalHosts: ExternalHost[] = [
  { name: 'declared', address: '198.19.64.10', cidr: '198.19.64.0/24', gateway: '198.19.64.1', port: 8080 },
  { name: 'undeclared', address: '198.19.65.10', cidr: '198.19.65.0/24', gateway: '198.19.65.1', port: 8080 },
];

/** Network namespaces and the host's one interface; all start with "bulkhead" so a reader knows whose they are. */
export const names = {
  routerNetns: 'bulkhead-vpc',
  nodeNetns: 'bulkhead-node',
  platformNetns: 'bulkhead-platform',
  externalNetns: (host: ExternalHost): string => `bulkhead-ext-${host.name}`,
  hostInterface: 'bulkhead0',
  /** The node's name in Kubernetes. */
  node: 'bulkhead-node',
} as const;
