/** The RoleBinding that gives the tenant's owners the tenant-owner ClusterRole in their namespace only. */
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export interface Owner {
  kind: 'User' | 'Group';
  name: string;
}

export const ownerRoleBindingName = 'tenant-owners';

export function buildOwnerRoleBinding(tenant: TenantIdentity, namespace: string, owners: Owner[], clusterRole: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMeta(tenant, ownerRoleBindingName, namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: owners.map((owner) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: owner.kind, name: owner.name })),
  } as KubeObject;
}
