/**
 * The tenant's NetworkPolicies. Default deny in both directions, then only what the platform
 * declares: traffic within the namespace, DNS to the cluster's DNS pods, ingress from the ingress
 * controller's namespace, the tenant's declared egress CIDRs, and egress to its own database.
 * Namespaces are matched on kubernetes.io/metadata.name, which the API server sets and nobody can
 * forge, rather than on labels a tenant or anyone else could copy.
 */
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export interface NetworkPolicy extends KubeObject {
  spec: Record<string, unknown>;
}

export interface NetworkSettings {
  /** Namespace of the ingress controller allowed to reach tenant pods. */
  ingressNamespace: string;
  /** Namespace and pod labels of the cluster DNS. */
  dnsNamespace: string;
  dnsPodLabels: Record<string, string>;
}

export interface TenantNetwork {
  namespace: string;
  allowEgressCIDRs: string[];
  /** The tenant's database server, once it has one. */
  database?: { host: string; port: number };
}

const namespaceNameLabel = 'kubernetes.io/metadata.name';
const allPods = {};

export const networkPolicyNames = {
  defaultDeny: 'default-deny',
  sameNamespace: 'allow-same-namespace',
  dns: 'allow-dns',
  ingressController: 'allow-ingress-controller',
  declaredEgress: 'allow-declared-egress',
  database: 'allow-database',
} as const;

function policy(tenant: TenantIdentity, namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: childMeta(tenant, name, namespace), spec };
}

/** Every NetworkPolicy the tenant should have, in a stable order. */
export function buildNetworkPolicies(tenant: TenantIdentity, network: TenantNetwork, settings: NetworkSettings): NetworkPolicy[] {
  const ns = network.namespace;
  const policies = [
    policy(tenant, ns, networkPolicyNames.defaultDeny, { podSelector: allPods, policyTypes: ['Ingress', 'Egress'] }),
    policy(tenant, ns, networkPolicyNames.sameNamespace, {
      podSelector: allPods,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [{ podSelector: allPods }] }],
      egress: [{ to: [{ podSelector: allPods }] }],
    }),
    policy(tenant, ns, networkPolicyNames.dns, {
      podSelector: allPods,
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: settings.dnsNamespace } },
          podSelector: { matchLabels: settings.dnsPodLabels } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    }),
    policy(tenant, ns, networkPolicyNames.ingressController, {
      podSelector: allPods,
      policyTypes: ['Ingress'],
      ingress: [{ from: [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: settings.ingressNamespace } } }] }],
    }),
  ];
  if (network.allowEgressCIDRs.length > 0) {
    policies.push(policy(tenant, ns, networkPolicyNames.declaredEgress, {
      podSelector: allPods,
      policyTypes: ['Egress'],
      egress: [{ to: network.allowEgressCIDRs.map((cidr) => ({ ipBlock: { cidr } })) }],
    }));
  }
  if (network.database) {
    policies.push(policy(tenant, ns, networkPolicyNames.database, {
      podSelector: allPods,
      policyTypes: ['Egress'],
      egress: [{ to: [{ ipBlock: { cidr: hostCidr(network.database.host) } }], ports: [{ protocol: 'TCP', port: network.database.port }] }],
    }));
  }
  return policies;
}

/** A single address as a CIDR: /32 for IPv4, /128 for IPv6. */
export function hostCidr(address: string): string {
  return address.includes(':') ? `${address}/128` : `${address}/32`;
}
