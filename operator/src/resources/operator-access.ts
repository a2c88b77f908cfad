/**
 * The operator's own RoleBinding in a tenant namespace: it binds the fixed ClusterRole the chart
 * installs (the writes the operator makes inside a tenant namespace, and reading the tenant's
 * database Secret) to the operator's ServiceAccount, in this namespace only. Outside the
 * namespaces it binds this way, the operator can write nothing and read no Secret but its own
 * configuration's (docs/decisions/0014). The binding carries a finalizer so that it outlives the
 * rest of a terminating namespace's content (docs/decisions/0015).
 */
import { operatorAccessFinalizer } from '../api/labels.js';
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

/** Deterministic, so a restarted operator finds the binding it wrote before. */
export const operatorAccessBindingName = 'bulkhead-operator';

export interface OperatorIdentity {
  /** The fixed ClusterRole holding the operator's rights inside a tenant namespace. */
  clusterRole: string;
  serviceAccount: string;
  /** The operator's own namespace, where its ServiceAccount lives. */
  serviceAccountNamespace: string;
}

export interface RoleBinding extends KubeObject {
  roleRef: { apiGroup: string; kind: string; name: string };
  subjects: { kind: string; name: string; namespace?: string; apiGroup?: string }[];
}

export function buildOperatorAccessBinding(tenant: TenantIdentity, namespace: string, operator: OperatorIdentity): RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: { ...childMeta(tenant, operatorAccessBindingName, namespace), finalizers: [operatorAccessFinalizer] },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: operator.clusterRole },
    subjects: [{ kind: 'ServiceAccount', name: operator.serviceAccount, namespace: operator.serviceAccountNamespace }],
  };
}
