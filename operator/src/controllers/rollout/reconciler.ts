/**
 * The rollout reconcile: read the Rollout, every Rollout, the Tenants and their plans from the
 * caches, let planRollout decide, move the tenants it names (annotation merge patches guarded by
 * resourceVersion), then write the status. Tenants are moved before the status records them, so
 * a crash in between leaves a moved tenant without a start time; the next reconcile then counts
 * its deadline from then, which is late but never wrong about what was moved.
 */
import { rolloutFieldManager, type Rollout, type RolloutStatus } from '../../api/rollout.js';
import { apiVersion, tenantKind, type Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { ReconcileContext, ReconcileOutcome } from '../../runtime/controller.js';
import type { Informer } from '../../runtime/informer.js';
import { errorMessage } from '../../runtime/errors.js';
import { errorFields, type Logger } from '../../runtime/logging.js';
import type { FleetTenant } from './fleet.js';
import type { TenantVersionPatch } from './plan-types.js';
import { planRollout } from './planner.js';
import { writeRolloutStatus } from './status-writer.js';
import { tenantPatchBody } from './tenant-patch.js';

export interface RolloutReconcilerDeps {
  client: KubeClient;
  rollouts: Informer<Rollout>;
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
  events?: EventRecorder;
  now: () => Date;
}

export class MovesFailedError extends Error {
  constructor(
    readonly tenants: string[],
    cause: unknown,
  ) {
    super(`could not move tenants ${tenants.join(', ')}: ${errorMessage(cause)}`, { cause });
    this.name = 'MovesFailedError';
  }
}

export class RolloutReconciler {
  constructor(private readonly deps: RolloutReconcilerDeps) {}

  readonly reconcile = async (key: string, context: ReconcileContext): Promise<ReconcileOutcome | void> => {
    const rollout = this.deps.rollouts.store.get(key);
    if (!rollout || rollout.metadata.deletionTimestamp) return; // tenants stay where a deleted rollout left them
    const plan = planRollout({
      rollout,
      rollouts: this.deps.rollouts.store.list(),
      tenants: this.fleetTenants(),
      now: this.deps.now(),
    });
    const failures = await this.move(plan.patches, context.logger);
    const status = withoutFailedMoves(
      plan.status,
      failures.map((failure) => failure.tenant),
    );
    await writeRolloutStatus({ client: this.deps.client, events: this.deps.events, logger: context.logger }, rollout, status);
    if (failures.length > 0)
      throw new MovesFailedError(
        failures.map((failure) => failure.tenant),
        failures[0]?.error,
      );
    return plan.requeueAfterMs === undefined ? undefined : { requeueAfterMs: plan.requeueAfterMs };
  };

  /** Every Tenant with its plan's ring and version, as the planner reads them. */
  private fleetTenants(): FleetTenant[] {
    return this.deps.tenants.store.list().map((tenant) => {
      const plan = this.deps.plans.store.get(tenant.spec.plan);
      return plan ? { tenant, plan: { ring: plan.spec.rollout.ring, version: plan.spec.app.version } } : { tenant };
    });
  }

  /** Sends every patch; a failed one (often a conflict: the tenant changed) is retried by the next reconcile. */
  private async move(patches: readonly TenantVersionPatch[], logger: Logger): Promise<{ tenant: string; error: unknown }[]> {
    const failures: { tenant: string; error: unknown }[] = [];
    for (const patch of patches) {
      try {
        await this.deps.client.mergePatch({ apiVersion, kind: tenantKind, name: patch.tenant }, tenantPatchBody(patch), {
          fieldManager: rolloutFieldManager,
        });
        logger.info('Moved tenant', { tenant: patch.tenant, version: patch.version ?? 'plan' });
      } catch (error) {
        logger.warn('Could not move tenant', { tenant: patch.tenant, ...errorFields(error) });
        failures.push({ tenant: patch.tenant, error });
      }
    }
    return failures;
  }
}

/** A tenant whose move failed is not upgrading: leave it out, so its clock starts when it really moves. */
function withoutFailedMoves(status: RolloutStatus, tenants: readonly string[]): RolloutStatus {
  if (tenants.length === 0) return status;
  return { ...status, upgrading: status.upgrading?.filter((entry) => !tenants.includes(entry.tenant)) };
}
