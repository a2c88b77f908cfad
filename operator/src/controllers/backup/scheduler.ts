/**
 * The backup scheduler the operator's leader runs: every checkIntervalSeconds it looks at each
 * Tenant whose plan sets spec.backup and whose database and key are ready, takes a backup when the
 * newest is an interval old, prunes beyond the plan's retention (behind the leadership fence: it
 * deletes), and writes status.backups under a field manager of its own, so the tenant reconcile
 * never puts back a stale list. One tenant at a time: a pg_dump holds a connection and a worker
 * for minutes, which is why this is not a step of the tenant reconcile.
 */
import { ConditionType, findCondition } from '../../api/conditions.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan, TenantPlanBackup } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { BackupSummary, TenantBackups } from '../../providers/backup/index.js';
import { sleep } from '../../runtime/backoff.js';
import { errorMessage } from '../../runtime/errors.js';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import type { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import { backupSubjectOf } from './database-spec.js';
import { backupDue, backupsStatus } from './schedule.js';

export const backupFieldManager = 'bulkhead-backups';

export interface BackupSchedulerDeps {
  client: KubeClient;
  config: OperatorConfig;
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
  backups: (region: string) => Promise<TenantBackups>;
  events: EventRecorder;
  logger: Logger;
  now?: () => Date;
}

/** Whether the tenant has what a backup needs: its database and its key. */
function readyForBackup(tenant: Tenant): boolean {
  const conditions = tenant.status?.conditions;
  return [ConditionType.DatabaseReady, ConditionType.EncryptionKeyReady].every(
    (type) => findCondition(conditions, type)?.status === 'True',
  );
}

export class BackupScheduler {
  constructor(private readonly deps: BackupSchedulerDeps) {}

  /** Runs passes until `signal` aborts. */
  async run(signal: AbortSignal, fence: LeadershipFence): Promise<void> {
    const intervalMs = (this.deps.config.backups?.checkIntervalSeconds ?? 60) * 1000;
    while (!signal.aborted) {
      await this.pass(signal, fence);
      await sleep(intervalMs, signal).catch(() => undefined);
    }
  }

  /** One look at every tenant; a tenant that fails does not stop the others. */
  async pass(signal: AbortSignal, fence: LeadershipFence): Promise<void> {
    for (const tenant of this.deps.tenants.store.list()) {
      if (signal.aborted) return;
      const plan = this.deps.plans.store.get(tenant.spec.plan)?.spec.backup;
      if (plan === undefined || tenant.metadata.deletionTimestamp !== undefined || !readyForBackup(tenant)) continue;
      await this.backUpTenant(tenant, plan, fence).catch((error: unknown) =>
        this.deps.logger.error('Backup pass failed for tenant', { tenant: tenant.metadata.name, error: errorMessage(error) }),
      );
    }
  }

  private async backUpTenant(tenant: Tenant, plan: TenantPlanBackup, fence: LeadershipFence): Promise<void> {
    const now = this.deps.now?.() ?? new Date();
    const backups = await this.deps.backups(tenant.spec.region);
    const owner = { tenant: tenant.metadata.name, tenantUid: tenant.metadata.uid ?? '' };
    const before = await backups.list(owner);
    let failure: string | undefined;
    let attempted: Date | undefined;
    if (backupDue(before[0], plan, now)) {
      attempted = now;
      failure = await this.takeBackup(tenant, backups, fence);
    }
    await destructive(fence, `pruning the backups of tenant ${owner.tenant}`, () =>
      backups.prune(owner, { keepLast: plan.keepLast, maxAgeDays: plan.maxAgeDays }, now),
    );
    await this.writeStatus(tenant, await backups.list(owner), { attempted, failure });
  }

  /** Takes one backup; returns why it failed, having said so in an Event, or undefined. */
  private async takeBackup(tenant: Tenant, backups: TenantBackups, fence: LeadershipFence): Promise<string | undefined> {
    try {
      const subject = backupSubjectOf(tenant, this.deps.plans.store.get(tenant.spec.plan), this.deps.config);
      const taken: BackupSummary = await backups.backup(subject, 'Scheduled', fence);
      await this.event(tenant, 'Normal', 'BackedUp', `Stored backup ${taken.id} (${taken.size} bytes, sealed under the tenant's key)`);
      return undefined;
    } catch (error) {
      const reason = (error as { reason?: string }).reason ?? 'BackupFailed';
      const message = errorMessage(error);
      this.deps.logger.error('Backup failed', { tenant: tenant.metadata.name, reason, error: message });
      await this.event(tenant, 'Warning', reason, message);
      return message;
    }
  }

  private async writeStatus(tenant: Tenant, backups: BackupSummary[], attempt: { attempted?: Date; failure?: string }): Promise<void> {
    const previous = tenant.status?.backups;
    const status = backupsStatus(backups, attempt.attempted, attempt.failure);
    // A pass that took no backup keeps the last attempt's time and outcome.
    if (attempt.attempted === undefined) {
      if (previous?.lastAttemptTime !== undefined) status.lastAttemptTime = previous.lastAttemptTime;
      if (previous?.lastFailure !== undefined) status.lastFailure = previous.lastFailure;
    }
    const patch: Pick<Tenant, 'apiVersion' | 'kind' | 'metadata' | 'status'> = {
      apiVersion: tenant.apiVersion,
      kind: tenant.kind,
      metadata: { name: tenant.metadata.name },
      status: { backups: status },
    };
    await this.deps.client.applyStatus(patch, { fieldManager: backupFieldManager, force: true });
  }

  private async event(tenant: Tenant, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await this.deps.events
      .record(tenant, type, reason, message)
      .catch((error: unknown) => this.deps.logger.warn('Could not record event', { reason, error: errorMessage(error) }));
  }
}
