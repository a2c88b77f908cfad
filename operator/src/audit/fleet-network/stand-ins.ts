/**
 * Stand-in pods. The live pods are not all the pods that may ever run: a tenant owner may start a
 * pod with any labels tomorrow, and a namespace no policy isolates may run anything. So the audit
 * adds, before analysing, an unlabelled new pod in every tenant namespace, an unlabelled pod in a
 * namespace without policies, and the platform's ingress controller and DNS pods where the cluster
 * has none yet, so the declared flows show in the matrix even on an empty cluster.
 */
import type { ClusterState, Pod } from '../network/index.js';
import { standIn, type PlatformNetwork, type TenantNetworkView } from './model.js';

const namespaceNameLabel = 'kubernetes.io/metadata.name';

function pod(namespace: string, name: string, labels: Record<string, string> = {}): Pod {
  return { namespace, name, labels, ports: [], hostNetwork: false };
}

export function withStandIns(cluster: ClusterState, tenants: readonly TenantNetworkView[], platform: PlatformNetwork): ClusterState {
  const namespaces = [...cluster.namespaces];
  const known = new Set(namespaces.map((namespace) => namespace.name));
  const ensureNamespace = (name: string): void => {
    if (known.has(name)) return;
    known.add(name);
    namespaces.push({ name, labels: { [namespaceNameLabel]: name } });
  };
  const pods = [...cluster.pods];
  for (const tenant of tenants) {
    ensureNamespace(tenant.namespace);
    pods.push(pod(tenant.namespace, standIn.newTenantPod));
  }
  ensureNamespace(standIn.unisolatedNamespace);
  pods.push(pod(standIn.unisolatedNamespace, standIn.anyPod));
  ensureNamespace(platform.ingressNamespace);
  pods.push(pod(platform.ingressNamespace, standIn.ingressController));
  ensureNamespace(platform.dnsNamespace);
  pods.push(pod(platform.dnsNamespace, standIn.dns, platform.dnsPodLabels));
  return { ...cluster, namespaces, pods };
}

/**
 * The stand-ins that are alone in a tenant namespace no NetworkPolicy is in: a Tenant not yet
 * onboarded (no namespace yet), or one whose policies are gone. Neither end of a flow between two
 * of them is isolated and neither declares a port, so every such pair gets the same verdict
 * whatever the rest of the cluster holds: the audit judges one pair and counts the others
 * (flow-tally.ts), instead of judging n² of them (docs/decisions/0031).
 */
export function bareStandIns(cluster: ClusterState, tenants: readonly TenantNetworkView[], platform: PlatformNetwork): Pod[] {
  const governed = new Set(cluster.policies.map((policy) => policy.namespace));
  const podsIn = new Map<string, number>();
  for (const { namespace } of cluster.pods) podsIn.set(namespace, (podsIn.get(namespace) ?? 0) + 1);
  const platformNamespaces = new Set([platform.ingressNamespace, platform.dnsNamespace]);
  const bare = new Set(
    tenants
      .map((tenant) => tenant.namespace)
      .filter((namespace) => !governed.has(namespace) && !platformNamespaces.has(namespace) && podsIn.get(namespace) === 1),
  );
  return cluster.pods.filter((candidate) => bare.has(candidate.namespace) && candidate.name === standIn.newTenantPod);
}
