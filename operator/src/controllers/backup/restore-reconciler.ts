/**
 * The TenantRestore reconcile: one restore, once. It waits for the target's database, resolves
 * whose backup it is, records a cross-tenant override in Warning Events before acting, marks the
 * restore Running, restores and verifies by row counts, and ends Succeeded or Failed (both final).
 * A restore interrupted while Running is run again: pg_restore works in one transaction with
 * --clean, so a second run gives the same database. The store or KMS being unreachable is retried.
 */
import { ConditionType, findCondition } from '../../api/conditions.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { tenantRestoreFieldManager, type TenantRestore, type TenantRestoreStatus } from '../../api/tenant-restore.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { BackupStoreUnavailable } from '../../providers/backup/errors.js';
import type { BackupOwner, TenantBackups } from '../../providers/backup/index.js';
import { KeyProviderUnavailable } from '../../providers/kms/errors.js';
import { errorMessage } from '../../runtime/errors.js';
import { lazyModule } from '../../runtime/lazy-module.js';
import type { ReconcileContext, ReconcileOutcome } from '../../runtime/controller.js';
import type { Informer } from '../../runtime/informer.js';
import { databaseSpecOf } from './database-spec.js';

/** The restore's code (pg, the KMS and S3 SDKs) is loaded by the first restore (docs/decisions/0065). */
const restoreCode = lazyModule(() => import('../../providers/backup/restore.js'));

export interface RestoreReconcilerDeps {
  client: KubeClient;
  restores: Informer<TenantRestore>;
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
  backups: (region: string) => Promise<TenantBackups>;
  events: EventRecorder;
  now?: () => Date;
}

const waitForDatabaseMs = 5_000;

type Ending = Pick<TenantRestoreStatus, 'phase' | 'reason' | 'message' | 'tables'>;

function unknownSource(restore: TenantRestore): Ending {
  const message = `Tenant ${restore.spec.backup.fromTenant ?? ''} does not exist: name its UID in spec.backup.fromTenantUid`;
  return { phase: 'Failed', reason: 'SourceTenantUnknown', message };
}

export class RestoreReconciler {
  /**
   * The restores this process finished: the watch event of its own Running write queues the key
   * again, and the cache may not show the final phase yet when that runs.
   */
  private readonly finished = new Set<string>();

  constructor(private readonly deps: RestoreReconcilerDeps) {}

  readonly reconcile = async (key: string, context: ReconcileContext): Promise<ReconcileOutcome | void> => {
    const restore = this.deps.restores.store.get(key);
    if (restore === undefined || this.isFinal(restore)) return;
    const target = this.deps.tenants.store.get(restore.spec.tenant);
    if (target === undefined)
      return this.finish(restore, { phase: 'Failed', reason: 'TenantNotFound', message: `Tenant ${restore.spec.tenant} does not exist` });
    if (findCondition(target.status?.conditions, ConditionType.DatabaseReady)?.status !== 'True')
      return { requeueAfterMs: waitForDatabaseMs };
    const source = this.sourceOf(restore, target);
    if (source === undefined) return this.finish(restore, unknownSource(restore));
    await this.recordOverride(restore, target, source);
    await this.write(restore, { ...restore.status, phase: 'Running', startTime: restore.status?.startTime ?? this.now().toISOString() });
    context.logger.info('Restoring backup', { tenant: target.metadata.name, from: source.tenant, backupId: restore.spec.backup.id });
    return this.finish(restore, await this.run(restore, target, source), target);
  };

  private isFinal(restore: TenantRestore): boolean {
    const phase = restore.status?.phase;
    return this.finished.has(restore.metadata.uid ?? '') || phase === 'Succeeded' || phase === 'Failed';
  }

  private async run(restore: TenantRestore, target: Tenant, source: BackupOwner): Promise<Ending> {
    const { restoreBackup } = await restoreCode();
    try {
      const backups = await this.deps.backups(target.spec.region);
      const result = await restoreBackup(backups, {
        source,
        backupId: restore.spec.backup.id,
        target: databaseSpecOf(target, this.deps.plans.store.get(target.spec.plan)),
        crossTenantOverride: restore.spec.crossTenantOverride !== undefined,
      });
      const rows = result.tables.reduce((sum, table) => sum + table.rows, 0);
      const message = `Restored backup ${result.backupId} of tenant ${source.tenant} into tenant ${target.metadata.name}: ${result.tables.length} tables, ${rows} rows, as recorded`;
      return { phase: 'Succeeded', reason: 'Restored', message, tables: result.tables };
    } catch (error) {
      // Worth retrying: the store or KMS could not be reached. Everything else is final.
      if (error instanceof BackupStoreUnavailable || error instanceof KeyProviderUnavailable) throw error;
      return { phase: 'Failed', reason: (error as { reason?: string }).reason ?? 'RestoreFailed', message: errorMessage(error) };
    }
  }

  /** The tenant that took the backup: spec.backup.fromTenant (with its UID), else the target itself. */
  private sourceOf(restore: TenantRestore, target: Tenant): BackupOwner | undefined {
    const { fromTenant, fromTenantUid } = restore.spec.backup;
    if (fromTenant === undefined) return { tenant: target.metadata.name, tenantUid: fromTenantUid ?? target.metadata.uid ?? '' };
    const uid = fromTenantUid ?? this.deps.tenants.store.get(fromTenant)?.metadata.uid;
    return uid === undefined ? undefined : { tenant: fromTenant, tenantUid: uid };
  }

  /** A platform admin's override is on the record before the data key is opened with it. */
  private async recordOverride(restore: TenantRestore, target: Tenant, source: BackupOwner): Promise<void> {
    const override = restore.spec.crossTenantOverride;
    if (override === undefined || restore.status?.phase === 'Running') return;
    const message = `Cross-tenant restore override: backup ${restore.spec.backup.id} of tenant ${source.tenant} (${source.tenantUid}) into tenant ${target.metadata.name}, by TenantRestore ${restore.metadata.name}; reason: ${override.reason}`;
    await this.deps.events.record(restore, 'Warning', 'CrossTenantRestoreOverride', message);
    await this.deps.events.record(target, 'Warning', 'CrossTenantRestoreOverride', message);
  }

  private async finish(restore: TenantRestore, ending: Ending, target?: Tenant): Promise<void> {
    await this.write(restore, { ...restore.status, ...ending, completionTime: this.now().toISOString() });
    this.finished.add(restore.metadata.uid ?? '');
    const type = ending.phase === 'Succeeded' ? 'Normal' : 'Warning';
    for (const object of target === undefined ? [restore] : [restore, target]) {
      await this.deps.events.record(object, type, ending.reason ?? 'RestoreFailed', ending.message ?? '').catch(() => undefined);
    }
  }

  private async write(restore: TenantRestore, status: TenantRestoreStatus): Promise<void> {
    const patch: Pick<TenantRestore, 'apiVersion' | 'kind' | 'metadata' | 'status'> = {
      apiVersion: restore.apiVersion,
      kind: restore.kind,
      metadata: { name: restore.metadata.name },
      status,
    };
    await this.deps.client.applyStatus(patch, { fieldManager: tenantRestoreFieldManager, force: true });
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }
}
