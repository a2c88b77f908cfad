/** Building and reading Tenants in specs, through client-node's generic custom-objects API. */
import * as k8s from '@kubernetes/client-node';
import { join } from 'node:path';
import { applyObjects, eventually, isGone, manifestsIn, repoRoot } from './cluster.js';

import { group } from '../../src/api/labels.js';
import { apiVersion, version } from '../../src/api/tenant.js';

export { group, version };

export interface TenantObject extends k8s.KubernetesObject {
  spec: Record<string, unknown> & { plan: string };
  status?: {
    observedGeneration?: number;
    namespace?: string;
    conditions?: { type: string; status: string; reason: string; message: string; observedGeneration?: number }[];
  };
}

export function tenantManifest(name: string, spec: Record<string, unknown> = {}): TenantObject {
  return {
    apiVersion,
    kind: 'Tenant',
    metadata: { name },
    spec: {
      displayName: `Tenant ${name}`,
      plan: 'standard',
      region: 'eu-central-1',
      owners: [{ kind: 'Group', name: `${name}-admins` }],
      ...spec,
    },
  };
}

export async function applyExamplePlans(kc: k8s.KubeConfig): Promise<void> {
  for (const { objects } of manifestsIn(join(repoRoot, 'crds/examples/plans'))) await applyObjects(kc, objects);
}

export function customObjects(kc: k8s.KubeConfig): k8s.CustomObjectsApi {
  return kc.makeApiClient(k8s.CustomObjectsApi);
}

export async function readTenant(kc: k8s.KubeConfig, name: string): Promise<TenantObject> {
  return (await customObjects(kc).getClusterCustomObject({ group, version, plural: 'tenants', name })) as TenantObject;
}

export function condition(tenant: TenantObject, type: string) {
  return tenant.status?.conditions?.find((c) => c.type === type);
}

/** Waits until the tenant's Ready condition is True for its current generation. */
export async function waitForReady(kc: k8s.KubeConfig, name: string, timeoutMs = 60_000): Promise<TenantObject> {
  return eventually(
    `tenant ${name} to be Ready`,
    async () => {
      const tenant = await readTenant(kc, name);
      const ready = condition(tenant, 'Ready');
      const current = tenant.status?.observedGeneration === tenant.metadata?.generation;
      return ready?.status === 'True' && current ? tenant : undefined;
    },
    timeoutMs,
  );
}

export async function deleteTenant(kc: k8s.KubeConfig, name: string): Promise<void> {
  await customObjects(kc).deleteClusterCustomObject({ group, version, plural: 'tenants', name });
}

/** Deletes tenants and waits until they are gone (finalized), so the next spec starts clean. */
export async function deleteTenantsAndWait(kc: k8s.KubeConfig, names: string[], timeoutMs = 90_000): Promise<void> {
  await Promise.all(names.map((name) => deleteTenant(kc, name).catch(() => undefined)));
  for (const name of names) await eventually(`tenant ${name} to be gone`, () => isGone(() => readTenant(kc, name)), timeoutMs);
}
