/**
 * Builders for the rollout planner's unit tests: Tenants in the states a rollout cares about
 * (moved, healthy, failing, pinned, canary), Rollouts, and a tiny fleet simulator that applies a
 * plan's patches and status the way the API server and the tenant controller would.
 */
import { ConditionType, Reason, type Condition } from '../../api/conditions.js';
import {
  RolloutSpecSchema,
  appVersionAnnotation,
  canaryLabel,
  type Rollout,
  type RolloutSpecInput,
  type RolloutStatus,
} from '../../api/rollout.js';
import { apiVersion, type Tenant } from '../../api/tenant.js';
import type { FleetTenant } from './fleet.js';
import type { RolloutPlan } from './plan-types.js';
import { planRollout } from './planner.js';
import { tenantPatchBody } from './tenant-patch.js';

export const start = new Date('2025-03-01T12:00:00Z');

export function secondsLater(time: Date, seconds: number): Date {
  return new Date(time.getTime() + seconds * 1000);
}

export interface TenantOptions {
  plan?: string;
  ring?: number;
  planVersion?: string;
  canary?: boolean;
  annotations?: Record<string, string>;
  /** The version the tenant runs, healthy. */
  runs?: string;
  /** Overrides the AppDeployed condition. */
  appDeployed?: Pick<Condition, 'status' | 'reason' | 'message'> & { observedGeneration?: number };
  app?: Tenant['spec']['app'];
  generation?: number;
}

export function fleetTenant(name: string, options: TenantOptions = {}): FleetTenant {
  const generation = options.generation ?? 1;
  const tenant: Tenant = {
    apiVersion,
    kind: 'Tenant',
    metadata: {
      name,
      generation,
      resourceVersion: '100',
      creationTimestamp: '2025-01-01T00:00:00Z',
      labels: options.canary ? { [canaryLabel]: 'true' } : {},
      annotations: { ...options.annotations },
    },
    spec: {
      displayName: name,
      plan: options.plan ?? 'standard',
      region: 'eu-central-1',
      owners: [{ kind: 'Group', name: `${name}-admins` }],
      ...(options.app ? { app: options.app } : {}),
      database: { deletionPolicy: 'Retain' },
      encryption: { keyRotation: true },
      suspended: false,
    },
    status: statusOf(options, generation),
  };
  return { tenant, plan: { ring: options.ring ?? 1, version: options.planVersion ?? '1.0.0' } };
}

function statusOf(options: TenantOptions, generation: number): Tenant['status'] {
  const running = options.runs ?? options.planVersion ?? '1.0.0';
  const deployed = options.appDeployed ?? { status: 'True' as const, reason: Reason.Reconciled, message: 'Deployed' };
  return {
    observedGeneration: generation,
    app: { version: running },
    conditions: [
      { type: ConditionType.AppDeployed, observedGeneration: generation, lastTransitionTime: '2025-01-01T00:00:00Z', ...deployed },
    ],
  };
}

export function rollout(
  spec: RolloutSpecInput,
  options: { name?: string; status?: RolloutStatus; generation?: number; created?: string; annotations?: Record<string, string> } = {},
): Rollout {
  return {
    apiVersion,
    kind: 'Rollout',
    metadata: {
      name: options.name ?? 'to-2',
      generation: options.generation ?? 1,
      creationTimestamp: options.created ?? '2025-03-01T11:00:00Z',
      annotations: { ...options.annotations },
    },
    spec: RolloutSpecSchema.parse(spec),
    ...(options.status ? { status: options.status } : {}),
  };
}

/** The Tenants after the API server applied a plan's annotation patches. */
export function applyPatches(tenants: readonly FleetTenant[], plan: RolloutPlan): FleetTenant[] {
  return tenants.map((entry) => {
    const patch = plan.patches.find((candidate) => candidate.tenant === entry.tenant.metadata.name);
    if (!patch) return entry;
    const annotations = { ...entry.tenant.metadata.annotations };
    for (const [key, value] of Object.entries(tenantPatchBody(patch).metadata.annotations)) {
      if (value === null) delete annotations[key];
      else annotations[key] = value;
    }
    return { ...entry, tenant: { ...entry.tenant, metadata: { ...entry.tenant.metadata, annotations } } };
  });
}

/** The tenant controller deploying what a tenant is asked for, healthy, for the named tenants. */
export function deployRequested(tenants: readonly FleetTenant[], names: readonly string[]): FleetTenant[] {
  return tenants.map((entry) => {
    const requested = entry.tenant.metadata.annotations?.[appVersionAnnotation];
    if (!names.includes(entry.tenant.metadata.name) || requested === undefined) return entry;
    const status = { ...entry.tenant.status, app: { version: requested } };
    return { ...entry, tenant: { ...entry.tenant, status } };
  });
}

/** The same tenant with its AppDeployed condition replaced. */
export function withAppDeployed(entry: FleetTenant, condition: Pick<Condition, 'status' | 'reason' | 'message'>): FleetTenant {
  const generation = entry.tenant.metadata.generation ?? 1;
  const conditions = [
    { type: ConditionType.AppDeployed, observedGeneration: generation, lastTransitionTime: '2025-01-01T00:00:00Z', ...condition },
  ];
  return { ...entry, tenant: { ...entry.tenant, status: { ...entry.tenant.status, conditions } } };
}

/** The Rollout after its status was written. */
export function withStatus(subject: Rollout, plan: RolloutPlan): Rollout {
  return { ...subject, status: plan.status };
}

export function names(entries: readonly { tenant: string }[]): string[] {
  return entries.map((entry) => entry.tenant);
}

/** Two canaries (one on a late plan), four tenants in ring 1, three in ring 5, two pinned. */
export function sampleFleet(): FleetTenant[] {
  return [
    fleetTenant('e1', { plan: 'enterprise', ring: 5 }),
    fleetTenant('e2', { plan: 'enterprise', ring: 5 }),
    fleetTenant('e3', { plan: 'enterprise', ring: 5 }),
    fleetTenant('a4', { ring: 1 }),
    fleetTenant('a3', { ring: 1 }),
    fleetTenant('a2', { ring: 1 }),
    fleetTenant('a1', { ring: 1 }),
    fleetTenant('c2', { plan: 'enterprise', ring: 5, canary: true }),
    fleetTenant('c1', { ring: 1, canary: true }),
    fleetTenant('p1', { app: { pinned: true } }),
    fleetTenant('p2', { app: { version: '1.0.0' } }),
  ];
}

/** The plan of a new Rollout with this spec, alone in the cluster. */
export function planFor(
  spec: RolloutSpecInput,
  tenants: FleetTenant[],
  options: Parameters<typeof rollout>[1] = {},
  now = start,
): RolloutPlan {
  const subject = rollout(spec, options);
  return planRollout({ rollout: subject, rollouts: [subject], tenants, now });
}

export function tenantNamed(tenants: readonly FleetTenant[], name: string): FleetTenant {
  const found = tenants.find((entry) => entry.tenant.metadata.name === name);
  if (!found) throw new Error(`no tenant ${name}`);
  return found;
}
