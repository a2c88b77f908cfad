/** The few Kubernetes reads and writes the journeys make, through client-node's generic APIs. */
import * as k8s from '@kubernetes/client-node';

export interface Kube {
  config: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  custom: k8s.CustomObjectsApi;
}

export function kube(kubeconfig: string): Kube {
  const config = new k8s.KubeConfig();
  config.loadFromFile(kubeconfig);
  return { config, core: config.makeApiClient(k8s.CoreV1Api), custom: config.makeApiClient(k8s.CustomObjectsApi) };
}

export interface TenantView {
  metadata: { name: string; generation?: number; uid?: string };
  spec: { plan: string; app?: { version?: string } };
  status?: {
    observedGeneration?: number;
    namespace?: string;
    conditions?: { type: string; status: string; reason: string; message: string }[];
    database?: { host?: string; port?: number; name?: string; secretName?: string };
    encryption?: { keyId?: string; alias?: string };
    app?: { version?: string };
  };
}

export async function readTenant(k: Kube, name: string): Promise<TenantView | undefined> {
  try {
    return (await k.custom.getClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'tenants', name })) as TenantView;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return undefined;
    throw error;
  }
}

export function conditionOf(tenant: TenantView | undefined, type: string) {
  return tenant?.status?.conditions?.find((condition) => condition.type === type);
}

export async function secretData(k: Kube, namespace: string, name: string): Promise<Record<string, string>> {
  const secret = await k.core.readNamespacedSecret({ namespace, name });
  return Object.fromEntries(Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]));
}
