/**
 * How a Rollout sees the fleet: which tenants it selects, which of those are pinned (never
 * touched), the ring each one upgrades in, and whether a tenant runs a version healthily. Pure
 * functions over cached objects; the planner builds on them.
 */
import { ConditionType, findCondition } from '../../api/conditions.js';
import { appVersionAnnotation, canaryLabel, canaryRing, lastRing, type Rollout } from '../../api/rollout.js';
import type { Tenant } from '../../api/tenant.js';

/** A Tenant and what the planner needs of its TenantPlan (undefined when the plan does not exist). */
export interface FleetTenant {
  tenant: Tenant;
  plan?: { ring: number; version: string };
}

/** A selected, unpinned tenant and the ring it upgrades in. */
export interface FleetMember extends FleetTenant {
  name: string;
  ring: number;
}

export interface Fleet {
  /** The tenants the rollout moves, in upgrade order: ring, then name. */
  members: FleetMember[];
  /** Selected tenants the rollout leaves alone. */
  pinned: FleetTenant[];
}

/** Selected tenants, split into the ones to move (in order) and the pinned ones. */
export function selectFleet(rollout: Rollout, tenants: readonly FleetTenant[]): Fleet {
  const selected = tenants.filter((entry) => isSelected(rollout, entry.tenant));
  const members = selected
    .filter((entry) => !isPinned(entry.tenant))
    .map((entry) => ({ ...entry, name: entry.tenant.metadata.name, ring: ringOf(entry) }))
    .sort((left, right) => left.ring - right.ring || left.name.localeCompare(right.name));
  return { members, pinned: selected.filter((entry) => isPinned(entry.tenant)) };
}

/** Whether the rollout's selector takes the tenant; a tenant being deleted is never taken. */
export function isSelected(rollout: Rollout, tenant: Tenant): boolean {
  if (tenant.metadata.deletionTimestamp) return false;
  const plans = rollout.spec.selector?.plans;
  return plans === undefined || plans.includes(tenant.spec.plan);
}

/** A tenant that names its own version, or asks to be left alone, is never moved by a rollout. */
export function isPinned(tenant: Tenant): boolean {
  return tenant.spec.app?.version !== undefined || tenant.spec.app?.pinned === true;
}

/** Canary tenants go first whatever their plan; a tenant without a plan goes last. */
export function ringOf(entry: FleetTenant): number {
  if (entry.tenant.metadata.labels?.[canaryLabel] === 'true') return canaryRing;
  return entry.plan?.ring ?? lastRing;
}

/** The version the tenant controller is asked to deploy, pins aside: the annotation, else the plan's. */
export function requestedVersion(entry: FleetTenant): string | undefined {
  return entry.tenant.metadata.annotations?.[appVersionAnnotation] ?? entry.plan?.version;
}

/** Whether the rollout has asked this tenant for `version` (it may not run it yet). */
export function isMovedTo(tenant: Tenant, version: string): boolean {
  return tenant.metadata.annotations?.[appVersionAnnotation] === version;
}

/**
 * Whether the tenant runs `version` healthily: the tenant controller reports the version in
 * status.app.version once it is up, and AppDeployed True for the tenant's current generation.
 */
export function isHealthyOn(tenant: Tenant, version: string): boolean {
  if (tenant.status?.app?.version !== version) return false;
  const deployed = findCondition(tenant.status.conditions, ConditionType.AppDeployed);
  if (deployed?.status !== 'True') return false;
  const observed = deployed.observedGeneration;
  return observed === undefined || observed === (tenant.metadata.generation ?? observed);
}

/** Why a tenant is not healthy on `version`, from its AppDeployed condition where it says. */
export function unhealthyDetail(tenant: Tenant, version: string, deadlineSeconds: number): { reason: string; message: string } {
  const deployed = findCondition(tenant.status?.conditions, ConditionType.AppDeployed);
  if (deployed !== undefined && deployed.status !== 'True') return { reason: deployed.reason, message: deployed.message };
  const running = tenant.status?.app?.version ?? 'no version';
  return { reason: 'DeadlineExceeded', message: `runs ${running}, not ${version}, ${deadlineSeconds}s after it was moved` };
}
