/**
 * Wires the tenant controller: informers for Tenants, TenantPlans and every kind Bulkhead owns
 * (filtered to its label), and the events that bring a tenant back to the queue: its own spec
 * changes, a change of its plan, and any change or deletion of an object it owns. Drift of those
 * is seen through watches. What has no watch (the database Secret, which the operator may not
 * watch cluster-wide; the database and the key outside Kubernetes) is caught by a slow resync,
 * controller-runtime's SyncPeriod (docs/decisions/0014). The watch event that only echoes the
 * controller's own write of an owned object wakes nobody (runtime/own-writes.ts), so a tenant's
 * next pass comes from what others do (its Deployment rolling out) or from its own requeue, and
 * the work queue's turns put that pass ahead of tenants not yet begun (docs/decisions/0057).
 */
import { managedByLabel, managedByValue, orphanDataAnnotation, promotionRetryAnnotation } from '../../api/labels.js';
import { appVersionAnnotation } from '../../api/rollout.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import { apiVersion, tenantKind, type Tenant } from '../../api/tenant.js';
import { tenantPlanKind, type TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { listerWatcher } from '../../kube/list-watch.js';
import { Controller } from '../../runtime/controller.js';
import { controllerOwnerKeys, enqueueHandler, generationChanged } from '../../runtime/handlers.js';
import type { CacheTransform } from '../../runtime/cache-transforms.js';
import { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import { LowPriority } from '../../runtime/workqueue.js';
import { OwnWrites } from '../../runtime/own-writes.js';
import { objectKey, type KubeObject } from '../../runtime/types.js';
import { OwnedObjects, ownedCacheTransforms, ownedKinds, type OwnedKind } from './owned-objects.js';
import { createTenantMetrics } from './metrics.js';
import { TenantReconciler } from './reconciler.js';
import { PlatformAddressResolver } from './platform-addresses.js';
import { RegionalProviders } from './regional-providers.js';
import { poolTenantsOfRegion } from './pool-membership.js';
import { poolLabel } from '../../resources/pool.js';

export interface TenantControllerDeps {
  client: KubeClient;
  config: OperatorConfig;
  events: EventRecorder;
  logger: Logger;
  metrics?: RuntimeMetrics;
  /** Shared with the admission policies' controller; one of its own when not given. */
  addresses?: PlatformAddressResolver;
}

export interface TenantController {
  controller: Controller;
  /** Reconciles every tenant again once per tenantResyncPeriodMs until `signal` aborts (startResync). */
  resync(signal: AbortSignal): void;
  providers: RegionalProviders;
  informers: Informer<KubeObject>[];
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
}

/** Long enough to cost little (a reconcile of a Ready tenant reads, never writes), short enough to repair within the hour. */
export const tenantResyncPeriodMs = 10 * 60_000;
/**
 * Passes a tenant may have in one turn of the work queue before it queues at the back again: an
 * onboarding takes two to four, so ten finishes one before the next begins while a key fought
 * over by two writers still cannot hold the front (docs/decisions/0023, 0057).
 */
export const tenantPassesPerTurn = 10;
/** The resync period is cut into this many slices; each object comes up in the slice its UID hashes to. */
export const resyncSlices = 60;
const sliceOf = (id: string): number => [...id].reduce((hash, c) => (hash * 31 + c.charCodeAt(0)) >>> 0, 0) % resyncSlices;

/** The keys of the objects whose turn it is in `slice`: every object once over the slices 0 to resyncSlices - 1. */
export function resyncKeys(slice: number, objects: KubeObject[]): string[] {
  return objects.filter((object) => sliceOf(object.metadata.uid ?? object.metadata.name) === slice).map(objectKey);
}

/**
 * Queues every object `list` returns once per `periodMs`, until `signal` aborts, a slice at a
 * time: a thousand tenants never resync at once, and each keeps its moment from period to period.
 * At LowPriority: a tenant created or changed meanwhile goes first (docs/decisions/0023).
 */
export function startResync(
  queue: { add(key: string, priority: number): void },
  list: () => KubeObject[],
  periodMs: number,
  signal: AbortSignal,
): void {
  let tick = 0;
  const timer = setInterval(() => {
    for (const key of resyncKeys(tick++ % resyncSlices, list())) queue.add(key, LowPriority);
  }, periodMs / resyncSlices).unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
const byPlan = 'plan';

export function createTenantController(deps: TenantControllerDeps): TenantController {
  const { client, logger } = deps;
  type Narrowing<T extends KubeObject> = { labelSelector: string; transform?: CacheTransform<T> };
  const informer = <T extends KubeObject>(name: string, apiVersion: string, kind: string, only?: Narrowing<T>): Informer<T> =>
    new Informer<T>({
      name,
      logger,
      transform: only?.transform,
      listerWatcher: listerWatcher<T>(client, { apiVersion, kind, labelSelector: only?.labelSelector }),
    });

  const tenants = informer<Tenant>('tenants', apiVersion, tenantKind);
  const plans = informer<TenantPlan>('tenantplans', apiVersion, tenantPlanKind);
  const ownedSelector = `${managedByLabel}=${managedByValue}`;
  const owned = Object.fromEntries(
    Object.entries(ownedKinds).map(([kind, { apiVersion }]) => [
      kind,
      informer(kind.toLowerCase(), apiVersion, kind, { labelSelector: ownedSelector, transform: ownedCacheTransforms[kind as OwnedKind] }),
    ]),
  ) as Record<OwnedKind, Informer<KubeObject>>;

  // What the reconciler writes of an owned kind is expected back on that kind's watch, as its echo.
  const ownWrites = new OwnWrites();
  const writer = client.observingWrites((written) => {
    const kind = written.kind as OwnedKind | undefined;
    if (kind && Object.hasOwn(owned, kind)) ownWrites.wrote(written, owned[kind].store.get(objectKey(written)));
  });
  const providers = new RegionalProviders(deps.config, client, logger, deps.metrics?.providers());
  const reconciler = new TenantReconciler({
    client: writer,
    config: deps.config,
    tenants,
    plans,
    events: deps.events,
    owned: new OwnedObjects(owned, writer),
    providers,
    addresses: deps.addresses ?? new PlatformAddressResolver(deps.config),
    stepMetrics: deps.metrics && createTenantMetrics(deps.metrics.registry, () => tenants.store.list()),
  });
  const controller = new Controller({
    name: 'tenant',
    reconcile: reconciler.reconcile,
    logger,
    metrics: deps.metrics,
    maxConcurrentReconciles: deps.config.workers,
    passesPerTurn: tenantPassesPerTurn,
  });

  // The tenant's own status writes do not bump its generation, so they do not wake it again; a
  // rollout's version annotation does, and so does the orphan-data annotation on a deleted Tenant,
  // and a human's retry of a promotion stopped by failed verifications (decision 0053).
  const annotationChanged = (old: Tenant, next: Tenant, key: string): boolean =>
    old.metadata.annotations?.[key] !== next.metadata.annotations?.[key];
  tenants.addEventHandler(
    enqueueHandler<Tenant>(controller.queue, {
      updatePredicate: (old, next) =>
        generationChanged(old, next) ||
        annotationChanged(old, next, appVersionAnnotation) ||
        annotationChanged(old, next, orphanDataAnnotation) ||
        annotationChanged(old, next, promotionRetryAnnotation),
    }),
  );
  tenants.store.addIndexer(byPlan, (tenant) => [tenant.spec.plan]);
  // A tenant that gives up (or newly claims) a domain changes what overlapping tenants may serve.
  tenants.addEventHandler(
    enqueueHandler<Tenant>(controller.queue, {
      keys: (tenant) => reconciler.tenantsOverlapping(tenant),
      updatePredicate: (old, next) => JSON.stringify(old.spec.network?.domains ?? []) !== JSON.stringify(next.spec.network?.domains ?? []),
    }),
  );
  plans.addEventHandler(
    enqueueHandler<TenantPlan>(controller.queue, {
      keys: (plan) => tenants.store.byIndex(byPlan, plan.metadata.name).map(objectKey),
      updatePredicate: generationChanged,
    }),
  );
  const toOwner = controllerOwnerKeys({ kind: 'Tenant', group: 'bulkhead.dev', namespaced: false });
  // A shared release's objects belong to no tenant: a change to one wakes two of the region's shared-release tenants (any
  // one repairs the pool's objects; two, so one failing tenant does not stall it), not all of them on every status change.
  const poolCaches = { tenants: () => tenants.store.list(), plan: (name: string) => plans.store.get(name) };
  const toPoolTenants = (object: KubeObject): string[] => {
    const region = object.metadata.labels?.[poolLabel];
    return region === undefined ? [] : poolTenantsOfRegion(poolCaches, region).map(objectKey).sort().slice(0, 2);
  };
  // One handler per owned informer, so that an echo is recognised once for all the keys it maps to.
  const toTenants = (object: KubeObject): string[] => [...toOwner(object), ...toPoolTenants(object)];
  for (const ownedInformer of Object.values(owned))
    ownedInformer.addEventHandler(enqueueHandler(controller.queue, { keys: toTenants, ownWrites }));

  return {
    controller,
    resync: (signal) => startResync(controller.queue, () => tenants.store.list(), tenantResyncPeriodMs, signal),
    providers,
    tenants,
    plans,
    informers: [tenants, plans, ...Object.values(owned)] as Informer<KubeObject>[],
  };
}
