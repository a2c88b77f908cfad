/**
 * The Tenant's finalizer: added before anything is created, removed only after everything
 * Bulkhead made for the tenant is gone, so a deleted Tenant never leaves orphans behind. Written
 * as a merge patch carrying the resourceVersion read, so a concurrent change makes it fail (409)
 * and retry instead of overwriting someone else's finalizer.
 */
import { fieldManager, tenantFinalizer } from '../../api/labels.js';
import { apiVersion, tenantKind, type Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';

const ref = (tenant: Tenant) => ({ apiVersion: tenant.apiVersion ?? apiVersion, kind: tenantKind, name: tenant.metadata.name });

export function hasFinalizer(tenant: Tenant): boolean {
  return tenant.metadata.finalizers?.includes(tenantFinalizer) ?? false;
}

export async function addFinalizer(client: KubeClient, tenant: Tenant): Promise<void> {
  if (hasFinalizer(tenant)) return;
  const finalizers = [...(tenant.metadata.finalizers ?? []), tenantFinalizer];
  await client.mergePatch(ref(tenant), { metadata: { finalizers, resourceVersion: tenant.metadata.resourceVersion } }, { fieldManager });
}

export async function removeFinalizer(client: KubeClient, tenant: Tenant): Promise<void> {
  if (!hasFinalizer(tenant)) return;
  const finalizers = (tenant.metadata.finalizers ?? []).filter((f) => f !== tenantFinalizer);
  await client.mergePatch(ref(tenant), { metadata: { finalizers, resourceVersion: tenant.metadata.resourceVersion } }, { fieldManager });
}
