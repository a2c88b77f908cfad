/**
 * A region's shared release (docs/decisions/0050): its namespace with the tenant namespace's
 * guardrails, the credentials Secret and tenants ConfigMap its tenants write their entries into,
 * the chart rendered once for the release and applied there, and the release's removal when its
 * last tenant leaves. Nothing here belongs to one tenant: objects carry the pool's labels and no
 * owner reference (resources/pool.ts).
 */
import type { SecretObject } from '../../resources/tenant-credentials.js';
import type { Tenant } from '../../api/tenant.js';
import { schemaName } from '../../api/names.js';
import { buildLimitRange, buildResourceQuota } from '../../resources/quota.js';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { buildOperatorAccessBinding } from '../../resources/operator-access.js';
import {
  adoptPoolReleaseObjects,
  asPoolObject,
  buildPoolNamespace,
  buildPoolTenantsConfigMap,
  poolCredentialKey,
  poolCredentialsSecretName,
  poolIdentity,
  poolLabel,
  poolLimits,
  poolMeta,
  poolNamespaceName,
  poolQuota,
  poolReleaseLabel,
  poolTenantsConfigMapName,
  type PoolTenantEntry,
} from '../../resources/pool.js';
import { locateChart, mergeValues, validateRenderedObjects } from '../../providers/release/index.js';
import type { KubeClient } from '../../kube/client.js';
import type { Logger } from '../../runtime/logging.js';
import { objectKey, type KubeObject } from '../../runtime/types.js';
import type { StepContext } from './context.js';
import type { OwnedObjects } from './owned-objects.js';
import { poolMembers, recordedSharedReleases, type PoolRelease, type SharedReleaseContext } from './pool-membership.js';
import { syncData } from './pool-data.js';
import { discoverScopes } from './release-plan.js';
import { accessInEffect } from './steps/operator-access.js';

/** What the pool functions need of a reconcile; the finalizer has the same. */
export interface PoolDeps {
  client: KubeClient;
  owned: OwnedObjects;
  logger: Logger;
  shared: SharedReleaseContext;
}

/** The ports the ingress controller may reach in the pool namespace (the release's Services'). */
type IngressPorts = { protocol: string; port: number | string }[];

/** Why the pool namespace is not usable yet, or undefined once it and its guardrails are in place. */
export async function ensurePoolNamespace(context: StepContext, release: PoolRelease, ports: IngressPorts): Promise<string | undefined> {
  const { region, namespace } = release;
  const { config, owned, logger } = context;
  const existing =
    owned.cached('Namespace', namespace) ?? (await context.client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }));
  const problem = namespaceProblem(existing, release);
  if (problem) return problem;
  await owned.ensure(buildPoolNamespace(region, config.podSecurityVersion), logger);
  const binding = asPoolObject(
    buildOperatorAccessBinding(poolIdentity(region), namespace, { ...config.operatorAccess, serviceAccountNamespace: config.namespace }),
    region,
  );
  if ((await owned.ensure(binding, logger)) && !(await accessInEffect(context.client, namespace))) {
    return `waiting for the operator's RoleBinding in ${namespace} to take effect`;
  }
  for (const object of await poolGuardrails(context, release, ports)) await owned.ensure(object, logger);
  return undefined;
}

/** A namespace of the pool's name that is not the pool's, or is going away, is not used. */
function namespaceProblem(existing: KubeObject | undefined, { region, namespace }: PoolRelease): string | undefined {
  if (existing && existing.metadata.labels?.[poolLabel] !== region) {
    return `Namespace ${namespace} already exists and is not Bulkhead's pool namespace for region ${region} (label ${poolLabel}); it is neither adopted nor changed`;
  }
  return existing?.metadata.deletionTimestamp ? `Namespace ${namespace} is terminating` : undefined;
}

/** Quota, LimitRange and NetworkPolicies, built by the tenant namespace's builders and made the pool's. */
async function poolGuardrails(context: StepContext, { region, namespace }: PoolRelease, ports: IngressPorts): Promise<KubeObject[]> {
  const identity = poolIdentity(region);
  const platform = await context.platformAddresses();
  const database = platform.databases.get(region);
  const kms = platform.kms.get(region);
  const policies = buildNetworkPolicies(
    identity,
    { namespace, egress: [], ...(database ? { database } : {}), ...(kms ? { kms } : {}), ingressPorts: ports },
    context.config.network,
  );
  return [buildResourceQuota(identity, namespace, poolQuota), buildLimitRange(identity, namespace, poolLimits), ...policies].map((object) =>
    asPoolObject(object, region),
  );
}

/** Writes the tenant's connection URI into the release's credentials Secret, dropping non-members'; returns the tenants it holds. */
export async function ensureCredentials(
  deps: PoolDeps,
  release: PoolRelease,
  tenant: string,
  tenantSecret: SecretObject,
): Promise<Set<string>> {
  const members = poolMembers(deps.shared, release);
  const uri = tenantSecret.data?.uri;
  if (uri === undefined) throw new Error(`the tenant's database Secret has no uri to give the shared release ${release.name}`);
  const desired = credentialsSecret(release);
  const live = await deps.client.get(refOf(desired));
  const data = await syncData(deps, desired, live, {
    set: { [poolCredentialKey(tenant)]: uri },
    keep: (key) => members.has(key.replace(/\.uri$/, '')),
  });
  return new Set(Object.keys(data).map((key) => key.replace(/\.uri$/, '')));
}

const refOf = (object: KubeObject) => ({
  apiVersion: object.apiVersion ?? 'v1',
  kind: object.kind ?? '',
  name: object.metadata.name,
  namespace: object.metadata.namespace,
});

function credentialsSecret(release: PoolRelease): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: poolMeta(release.region, poolCredentialsSecretName(release.name), release.namespace, release.name),
    type: 'Opaque',
  } as KubeObject;
}

/**
 * The tenants ConfigMap as the caches say it should be: every member whose credentials the Secret
 * holds (so no entry ever names credentials that are not there), and the tenant writing it.
 */
export async function ensureTenantsConfigMap(
  deps: PoolDeps,
  release: PoolRelease,
  self: PoolTenantEntry,
  withCredentials: Set<string>,
): Promise<void> {
  const members = poolMembers(deps.shared, release);
  const entries = [...members]
    .filter((name) => name !== self.tenant && withCredentials.has(name))
    .map((name) => entryOf(name, self.database))
    .concat(self);
  await writeTenants(deps, release, entries);
}

const entryOf = (tenant: string, database: string): PoolTenantEntry => ({
  tenant,
  schema: schemaName({ metadata: { name: tenant } }),
  database,
});

async function writeTenants(deps: PoolDeps, release: PoolRelease, entries: PoolTenantEntry[]): Promise<void> {
  const desired = buildPoolTenantsConfigMap(release.region, release.name, entries);
  const live = deps.owned.cached('ConfigMap', objectKey(desired));
  const wanted = (desired as { data?: Record<string, string> }).data ?? {};
  await syncData(deps, desired, live, { set: wanted, keep: () => false });
}

/** The chart rendered for the release: the chart's defaults and the pool's values only, in the pool namespace. */
export async function renderPoolRelease(context: StepContext, release: PoolRelease): Promise<{ digest: string; objects: KubeObject[] }> {
  const { config } = context;
  const shared = context.sharedRelease;
  if (!shared) throw new Error('the shared release needs the reconciler’s caches');
  const values = mergeValues({
    planValues: {},
    tenantValues: {},
    allowedKeys: [],
    operatorValues: {
      tenant: {},
      pool: {
        tenantsConfigMapName: poolTenantsConfigMapName(release.name),
        credentialsSecretName: poolCredentialsSecretName(release.name),
      },
    },
  }).values;
  const rendered = await shared.renderer.render({
    helm: config.release.helm,
    chartPath: await locateChart(config.release.chartRepository, release.chart, release.version),
    releaseName: release.name,
    namespace: release.namespace,
    values,
    signal: context.signal,
  });
  const valid = validateRenderedObjects(rendered.objects, {
    namespace: release.namespace,
    isNamespaced: await discoverScopes(context, rendered.objects),
  });
  return { digest: rendered.digest, objects: adoptPoolReleaseObjects(valid, release.region, release.name) };
}

/** Applies the render and deletes the release's objects it no longer has; returns the names of Deployments it wrote. */
export async function applyPoolRelease(context: StepContext, release: PoolRelease, objects: KubeObject[]): Promise<string[]> {
  const written: string[] = [];
  for (const object of objects) {
    const live = await context.owned.live(object);
    if ((await context.owned.ensure(object, context.logger, live ?? null)) && object.kind === 'Deployment')
      written.push(object.metadata.name);
  }
  const keep = new Set([...objects.map(identityOf), `ConfigMap/${poolTenantsConfigMapName(release.name)}`]);
  for (const object of context.owned.withLabel(poolReleaseLabel, release.name, release.namespace)) {
    if (keep.has(identityOf(object))) continue;
    await deleteObject(context.client, object, context.logger);
  }
  return written;
}

const identityOf = (object: KubeObject): string => `${object.kind ?? ''}/${object.metadata.name}`;

async function deleteObject(client: KubeClient, object: KubeObject, logger: Logger): Promise<void> {
  const ref = {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    name: object.metadata.name,
    namespace: object.metadata.namespace,
  };
  if (await client.delete(ref, { uid: object.metadata.uid }))
    logger.info(`Deleted ${ref.kind}`, { name: ref.name, namespace: ref.namespace });
}

/**
 * Takes `tenant` out of `release`: its entry and credentials go; when no member is left, the
 * whole release goes (its rendered objects and ConfigMap; the Secret is emptied), as it serves no one.
 * Returns whether the release was removed.
 */
export async function leavePoolRelease(deps: PoolDeps, release: PoolRelease, tenant: string): Promise<boolean> {
  const members = poolMembers(deps.shared, release);
  members.delete(tenant);
  if (members.size === 0) {
    for (const object of deps.owned.withLabel(poolReleaseLabel, release.name, release.namespace))
      await deleteObject(deps.client, object, deps.logger);
    // The operator holds no right to delete Secrets (least privilege): the credentials Secret is emptied instead.
    await dropCredentials(deps, release, () => false);
    deps.logger.info('Removed shared release: its last tenant left', { release: release.name, namespace: release.namespace });
    return true;
  }
  const configMap = deps.owned.cached('ConfigMap', `${release.namespace}/${poolTenantsConfigMapName(release.name)}`);
  if (configMap) await syncData(deps, configMap, configMap, { set: {}, keep: (key) => key !== tenant });
  await dropCredentials(deps, release, (key) => key !== poolCredentialKey(tenant));
  return false;
}

async function dropCredentials(deps: PoolDeps, release: PoolRelease, keep: (key: string) => boolean): Promise<void> {
  const secret = credentialsSecret(release);
  const live = await deps.client.get(refOf(secret));
  if (live) await syncData(deps, secret, live, { set: {}, keep });
}

/**
 * The shared releases of the tenant's region that may hold it: those its status records (so a tenant
 * recorded in none costs nothing), else, with no record, those whose cached ConfigMap lists it.
 */
export function releasesHolding(owned: OwnedObjects, tenant: Tenant): PoolRelease[] {
  const region = tenant.spec.region;
  const namespace = poolNamespaceName(region);
  const recorded = recordedSharedReleases(tenant);
  if (recorded === undefined) return releasesListing(owned, region, namespace, tenant.metadata.name);
  return recorded.map((name) => ({ region, namespace, name, chart: '', version: '' }));
}

/** The shared releases of `region` whose ConfigMap lists `tenant`, from the cache: O(cached ConfigMaps). */
export function releasesListing(owned: OwnedObjects, region: string, namespace: string, tenant: string): PoolRelease[] {
  return owned
    .withLabel(poolLabel, region, namespace, ['ConfigMap'])
    .filter((object) => object.metadata.labels?.[poolReleaseLabel] !== undefined)
    .filter((object) => tenant in ((object as { data?: Record<string, string> }).data ?? {}))
    .map((object) => ({ region, namespace, name: object.metadata.labels?.[poolReleaseLabel] ?? '', chart: '', version: '' }));
}
