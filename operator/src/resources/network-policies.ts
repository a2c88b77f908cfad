/**
 * The tenant's NetworkPolicies. Default deny in both directions, then only what the platform
 * declares: traffic within the namespace, DNS to the cluster's DNS pods, ingress from the ingress
 * controller's namespace on the app's Service ports only, egress to its own database (and the
 * region's KMS endpoint when that is inside the platform), and the tenant's declared egress CIDRs
 * minus every cluster and platform range inside them. While the tenant is suspended, nothing from
 * outside the namespace may reach it (TenantNetwork.suspended).
 * Namespaces are matched on kubernetes.io/metadata.name, which the API server sets and nobody can
 * forge, rather than on labels a tenant or anyone else could copy.
 */
import { hostCidr } from '../api/cidr.js';
import type { KubeObject } from '../runtime/types.js';
import type { BoundedEgress } from './egress.js';
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
  /** The declared egress CIDRs, each with the platform ranges inside it as `except` (egress.ts). */
  egress: BoundedEgress[];
  /** The tenant's database server, once it has one. */
  database?: Endpoint;
  /** The region's KMS endpoint when it is an address inside the platform (an emulator, a VPC endpoint). */
  kms?: Endpoint;
  /** The ports the tenant's app Services send to: all the ingress controller may reach. */
  ingressPorts: { protocol: string; port: number | string }[];
  /**
   * A suspended tenant gets no allowance from outside its namespace: the ingress controller's is
   * left out (and pruned), so default-deny closes every way in, whatever Ingress, HTTPRoute or
   * Service its owners made. Policies only ever add allowances, so leaving out the only one is
   * what closes ingress; a deny-all policy added beside it would close nothing.
   */
  suspended?: boolean;
}

export interface Endpoint {
  address: string;
  port: number;
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
  kms: 'allow-kms',
} as const;

function policy(tenant: TenantIdentity, namespace: string, name: string, spec: Record<string, unknown>): NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: childMeta(tenant, name, namespace), spec };
}

/**
 * Every NetworkPolicy the tenant should have, default-deny first: applied in this order, no allow
 * ever exists in the namespace before the deny it is an exception to.
 */
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
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { [namespaceNameLabel]: settings.dnsNamespace } },
              podSelector: { matchLabels: settings.dnsPodLabels },
            },
          ],
          ports: [
            { protocol: 'UDP', port: 53 },
            { protocol: 'TCP', port: 53 },
          ],
        },
      ],
    }),
  ];
  // An empty ports list would mean every port: without app Services there is no allowance at all.
  if (network.ingressPorts.length > 0 && !network.suspended) {
    policies.push(
      policy(tenant, ns, networkPolicyNames.ingressController, {
        podSelector: allPods,
        policyTypes: ['Ingress'],
        ingress: [
          {
            from: [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: settings.ingressNamespace } } }],
            ports: network.ingressPorts,
          },
        ],
      }),
    );
  }
  for (const [name, endpoint] of [
    [networkPolicyNames.database, network.database],
    [networkPolicyNames.kms, network.kms],
  ] as const) {
    if (endpoint) policies.push(policy(tenant, ns, name, endpointEgress(endpoint)));
  }
  if (network.egress.length > 0) {
    policies.push(
      policy(tenant, ns, networkPolicyNames.declaredEgress, {
        podSelector: allPods,
        policyTypes: ['Egress'],
        egress: [{ to: network.egress.map(({ cidr, except }) => ({ ipBlock: except.length > 0 ? { cidr, except } : { cidr } })) }],
      }),
    );
  }
  return policies;
}

/** Egress to one address on one TCP port. */
function endpointEgress(endpoint: Endpoint): Record<string, unknown> {
  return {
    podSelector: allPods,
    policyTypes: ['Egress'],
    egress: [{ to: [{ ipBlock: { cidr: hostCidr(endpoint.address) } }], ports: [{ protocol: 'TCP', port: endpoint.port }] }],
  };
}
