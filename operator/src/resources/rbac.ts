/**
 * The RoleBindings that give the tenant's owners the tenant-owner ClusterRole in their namespace
 * only, or its read-only twin while the tenant is suspended. Two names, because a binding's
 * roleRef cannot change: switching access means replacing one binding by the other.
 */
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export interface Owner {
  kind: 'User' | 'Group';
  name: string;
}

export const ownerRoleBindingName = 'tenant-owners';
export const ownerReadOnlyRoleBindingName = 'tenant-owners-read-only';

export function buildOwnerRoleBinding(tenant: TenantIdentity, namespace: string, owners: Owner[], clusterRole: string): KubeObject {
  return ownerBinding(tenant, { name: ownerRoleBindingName, namespace }, owners, clusterRole);
}

/** `clusterRole` is the read-only one (tenantOwnerReadOnlyClusterRoleName). */
export function buildOwnerReadOnlyRoleBinding(tenant: TenantIdentity, namespace: string, owners: Owner[], clusterRole: string): KubeObject {
  return ownerBinding(tenant, { name: ownerReadOnlyRoleBindingName, namespace }, owners, clusterRole);
}

function ownerBinding(tenant: TenantIdentity, at: { name: string; namespace: string }, owners: Owner[], clusterRole: string): KubeObject {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: childMeta(tenant, at.name, at.namespace),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: clusterRole },
    subjects: owners.map((owner) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: owner.kind, name: owner.name })),
  } as KubeObject;
}
