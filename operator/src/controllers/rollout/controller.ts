/**
 * Wires the rollout controller: an informer for Rollouts, and the Tenants and TenantPlans it
 * reads (shared with the tenant controller when given, so the process keeps one cache of each).
 * Any change of a Tenant (its status above all: that is how health shows) or of a plan's ring
 * wakes every Rollout; so does a Rollout's own spec, its resume annotation, or another Rollout's
 * phase (the one that waits for it may go). A rollout with tenants in flight also asks to be
 * looked at again before their deadlines, since a tenant that never turns healthy sends no event.
 */
import { resumeAnnotation, rolloutKind, type Rollout } from '../../api/rollout.js';
import { apiVersion, tenantKind, type Tenant } from '../../api/tenant.js';
import { tenantPlanKind, type TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { listerWatcher } from '../../kube/list-watch.js';
import { Controller } from '../../runtime/controller.js';
import { enqueueHandler, generationChanged } from '../../runtime/handlers.js';
import { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import type { KubeObject } from '../../runtime/types.js';
import { RolloutReconciler } from './reconciler.js';

export interface RolloutControllerDeps {
  client: KubeClient;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Records an Event when a Rollout's phase changes; none are recorded without it. */
  events?: EventRecorder;
  /** The tenant controller's Tenant informer, to share its cache; without it the controller makes its own. */
  tenants?: Informer<Tenant>;
  /** A TenantPlan informer to share, likewise. */
  plans?: Informer<TenantPlan>;
  /** The clock; tests pass their own. */
  now?: () => Date;
}

export interface RolloutController {
  controller: Controller;
  /** The informers this controller created (not the shared ones it was given): start, sync and stop them. */
  informers: Informer<KubeObject>[];
  rollouts: Informer<Rollout>;
}

export function createRolloutController(deps: RolloutControllerDeps): RolloutController {
  const { client, logger } = deps;
  const created: Informer<KubeObject>[] = [];
  const informer = <T extends KubeObject>(name: string, kind: string): Informer<T> => {
    const made = new Informer<T>({ name, logger, listerWatcher: listerWatcher<T>(client, { apiVersion, kind }) });
    // The list is only started, synced and stopped, which needs no more than KubeObject.
    created.push(made as unknown as Informer<KubeObject>);
    return made;
  };
  const rollouts = informer<Rollout>('rollouts', rolloutKind);
  const tenants = deps.tenants ?? informer<Tenant>('rollout-tenants', tenantKind);
  const plans = deps.plans ?? informer<TenantPlan>('rollout-tenantplans', tenantPlanKind);

  const reconciler = new RolloutReconciler({ client, rollouts, tenants, plans, events: deps.events, now: deps.now ?? (() => new Date()) });
  // One worker: rollouts are few, and one at a time keeps "only one Rollout acts" free of races.
  const controller = new Controller({
    name: 'rollout',
    reconcile: reconciler.reconcile,
    logger,
    metrics: deps.metrics,
    maxConcurrentReconciles: 1,
  });

  const everyRollout = (): string[] => rollouts.store.listKeys();
  rollouts.addEventHandler(enqueueHandler<Rollout>(controller.queue, { keys: everyRollout, updatePredicate: rolloutChanged }));
  tenants.addEventHandler(enqueueHandler<Tenant>(controller.queue, { keys: everyRollout }));
  plans.addEventHandler(enqueueHandler<TenantPlan>(controller.queue, { keys: everyRollout, updatePredicate: generationChanged }));

  return { controller, rollouts, informers: created };
}

/**
 * A spec change, a new resume token, or a new phase (which may free or take the one active slot).
 * Status writes that change only counts do not wake anyone.
 */
export function rolloutChanged(oldRollout: Rollout, newRollout: Rollout): boolean {
  return (
    generationChanged(oldRollout, newRollout) ||
    oldRollout.metadata.annotations?.[resumeAnnotation] !== newRollout.metadata.annotations?.[resumeAnnotation] ||
    oldRollout.status?.phase !== newRollout.status?.phase
  );
}
