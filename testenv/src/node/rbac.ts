/**
 * Who the node's components are to the API server, and what they may do: kube-router may read
 * what NetworkPolicies select (no writes), and kube-apiserver's kubelet client may use the kubelet
 * API (logs, exec). kubelet (Node authorizer) and kube-proxy (system:node-proxier) are covered by
 * Kubernetes' default policy.
 */
import { kubeRouterUser } from './certs.js';

const read = ['get', 'list', 'watch'];

export function nodeRbac(): unknown[] {
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'bulkhead:kube-router' },
      rules: [
        // kube-router's informers also watch Services and endpoints, even with only the firewall on.
        { apiGroups: [''], resources: ['pods', 'namespaces', 'nodes', 'services', 'endpoints'], verbs: read },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: read },
        { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: read },
      ],
    },
    binding('bulkhead:kube-router', 'bulkhead:kube-router', kubeRouterUser),
    binding('bulkhead:apiserver-kubelet-client', 'system:kubelet-api-admin', 'kube-apiserver-kubelet-client'),
  ];
}

function binding(name: string, role: string, user: string): unknown {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
  };
}
