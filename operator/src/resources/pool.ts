/**
 * The shared release's namespace and what the operator keeps in it (docs/decisions/0050): one pool
 * namespace per region, `bulkhead-pool-<region>`, with the same guardrails a tenant namespace gets
 * (Pod Security restricted, quota, LimitRange, NetworkPolicies, the operator's own binding), and
 * per release the tenants ConfigMap and the credentials Secret the shared app reads. Pool objects
 * carry the pool label instead of a tenant's and no owner reference: no single Tenant owns them,
 * and garbage collection must not take them with any one of them.
 */
import { managedByLabel, managedByValue, tenantLabel, tenantUidLabel } from '../api/labels.js';
import type { KubeObject, ObjectMeta } from '../runtime/types.js';
import { buildNamespace } from './namespace.js';
import type { PlanLimits, PlanQuota } from './quota.js';

/** Labels the pool's objects with its region; what the operator's watches map back to the pool's tenants. */
export const poolLabel = 'bulkhead.dev/pool';
/** Labels the shared release's rendered objects and its tenants ConfigMap with the release's name. */
export const poolReleaseLabel = 'bulkhead.dev/pool-release';

/** The region's pool namespace (a DNS label: regions are at most 40 characters). */
export function poolNamespaceName(region: string): string {
  return `bulkhead-pool-${region}`;
}

/**
 * The shared release of a chart version in a region's pool: `<chart>-<version>`, dots and `+` made
 * dashes, cut to Helm's 53 characters.
 */
export function poolReleaseName(chart: string, version: string): string {
  return `${chart}-${version}`.replaceAll(/[.+_]/g, '-').toLowerCase().slice(0, 53).replace(/-+$/, '');
}

/** The ConfigMap listing the release's tenants, and the Secret holding their database URIs. */
export const poolTenantsConfigMapName = (release: string): string => `${release}-tenants`;
export const poolCredentialsSecretName = (release: string): string => `${release}-credentials`;

/** The key of a tenant's connection URI in the credentials Secret. */
export const poolCredentialKey = (tenant: string): string => `${tenant}.uri`;

/** A pool's guardrails: its quota and limits are the operator's, not any one plan's. */
export const poolQuota: PlanQuota = {
  cpu: '16',
  memory: '32Gi',
  storage: '0',
  pods: 50,
  services: 20,
  persistentVolumeClaims: 0,
  configMaps: 50,
  secrets: 50,
};
export const poolLimits: PlanLimits = {
  defaultRequest: { cpu: '100m', memory: '128Mi' },
  default: { cpu: '500m', memory: '512Mi' },
  max: { cpu: '4', memory: '8Gi' },
};

/** Metadata of a pool object: the pool's labels, no tenant's, no owner. */
export function poolMeta(region: string, name: string, namespace?: string, release?: string): ObjectMeta {
  return {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { [managedByLabel]: managedByValue, [poolLabel]: region, ...(release ? { [poolReleaseLabel]: release } : {}) },
  };
}

/**
 * A guardrail built for a tenant (the same builders the tenant namespace uses) made the pool's:
 * the tenant's labels and owner reference replaced by the pool's labels.
 */
export function asPoolObject<T extends KubeObject>(object: T, region: string, release?: string): T {
  const { ownerReferences: _owners, labels = {}, ...metadata } = object.metadata;
  const { [tenantLabel]: _tenant, [tenantUidLabel]: _uid, ...kept } = labels;
  return {
    ...object,
    metadata: { ...metadata, labels: { ...kept, ...poolMeta(region, metadata.name, undefined, release).labels } },
  };
}

/** The identity the tenant builders are called with for the pool; its labels and owner are replaced by asPoolObject. */
export const poolIdentity = (region: string) => ({ name: `pool-${region}`, uid: '' });

/** The pool namespace: Pod Security restricted, serving no host names, no ExternalName Services. */
export function buildPoolNamespace(region: string, podSecurityVersion: string): KubeObject {
  const namespace = buildNamespace(poolIdentity(region), poolNamespaceName(region), {
    podSecurityVersion,
    domains: [],
    allowExternalNameServices: false,
  });
  return asPoolObject(namespace, region);
}

/** One entry of the tenants ConfigMap: where the tenant's data is and which key of the Secret opens it (never a password). */
export interface PoolTenantEntry {
  tenant: string;
  schema: string;
  database: string;
}

/** The tenants ConfigMap of a release: one key per tenant, its value a JSON entry. */
export function buildPoolTenantsConfigMap(region: string, release: string, entries: readonly PoolTenantEntry[]): KubeObject {
  const data = Object.fromEntries(
    [...entries]
      .sort((a, b) => (a.tenant < b.tenant ? -1 : 1))
      .map((entry) => [
        entry.tenant,
        JSON.stringify({
          schema: entry.schema,
          database: entry.database,
          credentials: { secret: poolCredentialsSecretName(release), key: poolCredentialKey(entry.tenant) },
        }),
      ]),
  );
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: poolMeta(region, poolTenantsConfigMapName(release), poolNamespaceName(region), release),
    data,
  } as KubeObject;
}

/** The tenants named in a live tenants ConfigMap. */
export function poolTenantsOf(configMap: KubeObject | undefined): string[] {
  return Object.keys((configMap as { data?: Record<string, string> } | undefined)?.data ?? {}).sort();
}

/**
 * Rendered chart objects made the shared release's: placed in the pool namespace and labelled with
 * the pool and the release (so pruning and removal find them by label), owned by no tenant.
 */
export function adoptPoolReleaseObjects(objects: KubeObject[], region: string, release: string): KubeObject[] {
  return objects.map((object) => {
    const { ownerReferences: _owners, ...metadata } = object.metadata;
    return {
      ...object,
      metadata: {
        ...metadata,
        namespace: poolNamespaceName(region),
        labels: { ...metadata.labels, ...poolMeta(region, metadata.name, undefined, release).labels },
      },
    };
  });
}
