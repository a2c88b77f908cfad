/**
 * The ClusterRole tenant owners are bound to, inside their own namespace only (through a
 * RoleBinding). It manages workloads and their configuration, and deliberately grants nothing on
 * NetworkPolicies, ResourceQuotas, LimitRanges, the Namespace or RBAC beyond reading: those are
 * the guardrails that keep the tenant isolated, and holding no write on roles or bindings means an
 * owner cannot hand their rights to anyone else (e.g. bind system:authenticated). A suspended
 * tenant's owners are bound to its read-only twin instead.
 */
import type { KubeObject } from '../runtime/types.js';
import { managedByLabel, managedByValue } from '../api/labels.js';

const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const read = ['get', 'list', 'watch'];

export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
}

export interface ClusterRole extends KubeObject {
  rules: PolicyRule[];
}

export const tenantOwnerRules: PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'serviceaccounts'], verbs: manage },
  { apiGroups: [''], resources: ['pods/log', 'pods/status', 'events', 'endpoints', 'resourcequotas', 'limitranges'], verbs: read },
  { apiGroups: [''], resources: ['pods/exec', 'pods/portforward'], verbs: ['create', 'get'] },
  // Through a RoleBinding this reads only the tenant's own Namespace object.
  { apiGroups: [''], resources: ['namespaces'], verbs: ['get'] },
  { apiGroups: ['apps'], resources: ['deployments', 'statefulsets', 'replicasets'], verbs: manage },
  { apiGroups: ['apps'], resources: ['deployments/scale', 'statefulsets/scale'], verbs: ['get', 'update', 'patch'] },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: manage },
  { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: manage },
  { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: manage },
  { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: manage },
  { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: read },
  { apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles', 'rolebindings'], verbs: read },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: read },
];

export function buildTenantOwnerClusterRole(name: string): ClusterRole {
  return clusterRole(name, tenantOwnerRules);
}

/**
 * Subresources that open a session into a pod. Their `get` is no read: kube-apiserver has long
 * authorized a WebSocket exec or port-forward as `get`.
 */
const sessionSubresources = ['pods/exec', 'pods/portforward', 'pods/attach'];

/**
 * What owners keep while their tenant is suspended: the same resources, read only (get, list,
 * watch). Nothing that opens a session into a pod (exec, port-forward, attach) survives.
 */
export const tenantOwnerReadOnlyRules: PolicyRule[] = tenantOwnerRules.flatMap((rule) => {
  const verbs = rule.verbs.filter((verb) => read.includes(verb));
  const resources = rule.resources.filter((resource) => !sessionSubresources.includes(resource));
  return verbs.length > 0 && resources.length > 0 ? [{ ...rule, resources, verbs }] : [];
});

/** The read-only ClusterRole's name: the owner role's with `-read-only`, so one setting names both. */
export function tenantOwnerReadOnlyClusterRoleName(ownerClusterRole: string): string {
  return `${ownerClusterRole}-read-only`;
}

/** The ClusterRole a suspended tenant's owners are bound to instead of the owner role. */
export function buildTenantOwnerReadOnlyClusterRole(ownerClusterRole: string): ClusterRole {
  return clusterRole(tenantOwnerReadOnlyClusterRoleName(ownerClusterRole), tenantOwnerReadOnlyRules);
}

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels: { [managedByLabel]: managedByValue } },
    rules,
  };
}
