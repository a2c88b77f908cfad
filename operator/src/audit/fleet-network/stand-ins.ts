/**
 * Stand-in pods. The live pods are not all the pods that may ever run: a tenant owner may start a
 * pod with any labels tomorrow, and a namespace no policy isolates may run anything. So the audit
 * adds, before analysing, an unlabelled new pod in every tenant namespace, an unlabelled pod in a
 * namespace without policies, and the platform's ingress controller and DNS pods where the cluster
 * has none yet, so the declared flows show in the matrix even on an empty cluster.
 */
import type { ClusterState, Namespace, Pod } from '../network/index.js';
import { standIn, type PlatformNetwork, type TenantNetworkView } from './model.js';

const namespaceNameLabel = 'kubernetes.io/metadata.name';

function pod(namespace: string, name: string, labels: Record<string, string> = {}): Pod {
  return { namespace, name, labels, ports: [], hostNetwork: false };
}

function ensureNamespace(namespaces: Namespace[], name: string): void {
  if (!namespaces.some((namespace) => namespace.name === name)) namespaces.push({ name, labels: { [namespaceNameLabel]: name } });
}

export function withStandIns(cluster: ClusterState, tenants: readonly TenantNetworkView[], platform: PlatformNetwork): ClusterState {
  const namespaces = [...cluster.namespaces];
  const pods = [...cluster.pods];
  for (const tenant of tenants) {
    ensureNamespace(namespaces, tenant.namespace);
    pods.push(pod(tenant.namespace, standIn.newTenantPod));
  }
  ensureNamespace(namespaces, standIn.unisolatedNamespace);
  pods.push(pod(standIn.unisolatedNamespace, standIn.anyPod));
  ensureNamespace(namespaces, platform.ingressNamespace);
  pods.push(pod(platform.ingressNamespace, standIn.ingressController));
  ensureNamespace(namespaces, platform.dnsNamespace);
  pods.push(pod(platform.dnsNamespace, standIn.dns, platform.dnsPodLabels));
  return { ...cluster, namespaces, pods };
}
