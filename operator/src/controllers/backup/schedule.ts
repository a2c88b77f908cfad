/**
 * When a tenant's next backup is due, and what its status says about its backups: pure functions
 * of the plan, the backups in the store and the time, so the scheduler's decisions are unit-tested.
 */
import type { TenantStatus } from '../../api/tenant.js';
import type { TenantPlanBackup } from '../../api/tenant-plan.js';
import type { BackupSummary } from '../../providers/backup/index.js';

/** The most backups a Tenant's status lists (the CRD's maxItems). */
export const listedBackups = 10;

/** Due when there is no backup yet, or the newest is at least the plan's interval old. */
export function backupDue(newest: BackupSummary | undefined, plan: TenantPlanBackup, now: Date): boolean {
  if (newest === undefined) return true;
  return now.getTime() - Date.parse(newest.createdAt) >= plan.intervalMinutes * 60_000;
}

export type BackupsStatus = NonNullable<TenantStatus['backups']>;

/** status.backups after an attempt: the newest backups, when it was tried, and why it failed (if it did). */
export function backupsStatus(
  backups: readonly BackupSummary[],
  attemptedAt: Date | undefined,
  failure: string | undefined,
): BackupsStatus {
  return {
    latest: backups.slice(0, listedBackups).map(({ id, createdAt, size, reason }) => ({ id, createdAt, size, reason })),
    ...(attemptedAt === undefined ? {} : { lastAttemptTime: attemptedAt.toISOString() }),
    ...(failure === undefined ? {} : { lastFailure: failure }),
  };
}
