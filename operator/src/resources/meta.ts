/** Metadata every object Bulkhead builds for a tenant shares: labels and the owner reference. */
import { tenantLabels } from '../api/labels.js';
import { apiVersion, tenantKind } from '../api/tenant.js';
import type { ObjectMeta, OwnerReference } from '../runtime/types.js';

/** The parts of a Tenant the builders need to name and own its children. */
export interface TenantIdentity {
  name: string;
  uid: string;
}

export function ownerReference(tenant: TenantIdentity): OwnerReference {
  return {
    apiVersion,
    kind: tenantKind,
    name: tenant.name,
    uid: tenant.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Metadata for a child of the tenant, in its namespace unless it is cluster-scoped. */
export function childMeta(tenant: TenantIdentity, name: string, namespace?: string): ObjectMeta {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: tenantLabels(tenant.name),
    ownerReferences: [ownerReference(tenant)],
  };
}
