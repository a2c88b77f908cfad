/**
 * Which shared release serves a tenant whose plan's release is Shared, and which tenants a shared
 * release serves (docs/decisions/0050). A release is one per region, chart and version: a tenant
 * belongs to the one its target version names (the same version a release of its own would get,
 * so a rollout's waves move tenants between releases one at a time). Membership is read from the
 * operator's caches of Tenants and TenantPlans, so every writer of a release's ConfigMap computes
 * the same list; a suspended or deleted tenant is no member.
 */
import type { Tenant, TenantReleaseStatus } from '../../api/tenant.js';
import { usesSharedRelease, type TenantPlan } from '../../api/tenant-plan.js';
import { poolNamespaceName, poolReleaseName } from '../../resources/pool.js';
import { targetVersion } from './release-plan.js';
import type { CachingRenderer } from './release-renderer.js';

export interface PoolRelease {
  region: string;
  chart: string;
  version: string;
  /** The Helm release's name, `<chart>-<version>` (pool.ts). */
  name: string;
  namespace: string;
}

/** What the shared-release step reads besides its own tenant: the caches, and the reconciler's renderer. */
export interface SharedReleaseContext {
  tenants: () => readonly Tenant[];
  plan: (name: string) => TenantPlan | undefined;
  renderer: CachingRenderer;
}

export function poolReleaseOf(tenant: Tenant, plan: TenantPlan): PoolRelease {
  const version = targetVersion({ tenant: tenant as Parameters<typeof targetVersion>[0]['tenant'], plan });
  const region = tenant.spec.region;
  return {
    region,
    chart: plan.spec.app.chart,
    version,
    name: poolReleaseName(plan.spec.app.chart, version),
    namespace: poolNamespaceName(region),
  };
}

/** The tenant's shared release, or undefined when it has (or is to get) a release of its own. */
export function sharedReleaseOf(tenant: Tenant, plan: TenantPlan | undefined): PoolRelease | undefined {
  return plan && usesSharedRelease(plan) ? poolReleaseOf(tenant, plan) : undefined;
}

/** Whether the tenant is served by `release` now: on a shared-release plan naming it, not suspended, not deleted. */
export function isMember(tenant: Tenant, plan: TenantPlan | undefined, release: Pick<PoolRelease, 'region' | 'name'>): boolean {
  if (tenant.metadata.deletionTimestamp || tenant.spec.suspended) return false;
  const own = sharedReleaseOf(tenant, plan);
  return own !== undefined && own.region === release.region && own.name === release.name;
}

/** The names of the tenants `release` serves, by the caches. */
export function poolMembers(context: SharedReleaseContext, release: Pick<PoolRelease, 'region' | 'name'>): Set<string> {
  return new Set(
    context
      .tenants()
      .filter((tenant) => isMember(tenant, context.plan(tenant.spec.plan), release))
      .map((tenant) => tenant.metadata.name),
  );
}

/**
 * The live, unsuspended tenants on shared-release plans in `region` (whichever release): those whose
 * reconcile repairs the region's pool objects, so those a change to them wakes.
 */
export function poolTenantsOfRegion(context: Omit<SharedReleaseContext, 'renderer'>, region: string): Tenant[] {
  return context
    .tenants()
    .filter(
      (tenant) =>
        tenant.spec.region === region &&
        !tenant.metadata.deletionTimestamp &&
        !tenant.spec.suspended &&
        sharedReleaseOf(tenant, context.plan(tenant.spec.plan)),
    );
}

/**
 * The shared releases that may list the tenant, by the record in its status (docs/decisions/0054):
 * the one it names, or none. Undefined when the status holds no record (written before the record
 * existed, or lost): then only a look at the pool's ConfigMaps can tell.
 */
export function recordedSharedReleases(tenant: Tenant): string[] | undefined {
  const recorded = tenant.status?.release;
  if (recorded === undefined) return undefined;
  return recorded.sharedRelease === undefined ? [] : [recorded.sharedRelease];
}

/** The record of a tenant served by a shared release (or, with no name, by none while it is out of it). */
export function sharedRecord(sharedRelease: string | undefined): TenantReleaseStatus {
  return sharedRelease === undefined ? { tier: 'Shared' } : { tier: 'Shared', sharedRelease };
}

/** The record of a tenant with a release of its own, once it is in no shared release. */
export const dedicatedRecord: TenantReleaseStatus = { tier: 'Dedicated' };
