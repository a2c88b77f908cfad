/**
 * Wires the TenantRestore controller: an informer for TenantRestores (the Tenants and plans are
 * the tenant controller's), and one worker, since a restore holds a database connection and a
 * pg_restore for as long as it takes.
 */
import type { Tenant } from '../../api/tenant.js';
import { apiVersion } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { tenantRestoreKind, type TenantRestore } from '../../api/tenant-restore.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { listerWatcher } from '../../kube/list-watch.js';
import type { TenantBackups } from '../../providers/backup/index.js';
import { Controller } from '../../runtime/controller.js';
import { enqueueHandler } from '../../runtime/handlers.js';
import { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import type { RuntimeMetrics } from '../../runtime/metrics.js';
import { RestoreReconciler } from './restore-reconciler.js';

export interface RestoreControllerDeps {
  client: KubeClient;
  logger: Logger;
  metrics?: RuntimeMetrics;
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
  backups: (region: string) => Promise<TenantBackups>;
  events: EventRecorder;
}

export interface RestoreController {
  controller: Controller;
  restores: Informer<TenantRestore>;
}

export function createRestoreController(deps: RestoreControllerDeps): RestoreController {
  const { client, logger } = deps;
  const restores = new Informer<TenantRestore>({
    name: 'tenantrestores',
    logger,
    listerWatcher: listerWatcher<TenantRestore>(client, { apiVersion, kind: tenantRestoreKind }),
  });
  const reconciler = new RestoreReconciler({ ...deps, restores });
  const controller = new Controller({
    name: 'restore',
    reconcile: reconciler.reconcile,
    logger,
    metrics: deps.metrics,
    maxConcurrentReconciles: 1,
  });
  restores.addEventHandler(enqueueHandler<TenantRestore>(controller.queue, {}));
  return { controller, restores };
}
