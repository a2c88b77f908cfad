/**
 * The Snapshot deletion policy's dump, also in the object store when the operator has backups
 * configured: a backup with reason Deletion, sealed under the tenant's key, taken before the
 * database is dropped and before the key is scheduled for deletion (so it is readable during the
 * key's pending window, and unreadable after it: crypto-shredding). Taken once: a finalize
 * repeated after a crash finds the complete Deletion backup and does not take another. For a
 * pooled tenant it is the Snapshot itself: its schema and shared rows, before they are dropped.
 */
import type { Tenant } from '../../api/tenant.js';
import type { BackupSummary, TenantBackups } from '../../providers/backup/index.js';
import type { TenantDatabaseSpec } from '../../providers/database/index.js';
import type { PooledTenantSpec } from '../../providers/database/pooled/index.js';
import { backupSubjectOf } from '../backup/database-spec.js';
import type { TeardownDeps } from './teardown.js';

/** Stores the backup if it can; returns words for the Event ("; backup <id> in the object store"), or "". */
export async function storeDeletionBackup(deps: TeardownDeps, tenant: Tenant, spec: TenantDatabaseSpec): Promise<string> {
  if (deps.config.backups === undefined || deps.providers.backups === undefined) return '';
  const stored = await deletionBackup(deps, await deps.providers.backups(tenant.spec.region), tenant, spec);
  return `, and as backup ${stored.id} in the object store`;
}

/**
 * A pooled tenant's Snapshot (docs/decisions/0055): the backup of its schema and shared rows is the
 * only copy there is, so without an object store nothing is dropped: this throws, and the Tenant
 * keeps its finalizer until the policy or the configuration changes.
 */
export async function storePooledDeletionBackup(deps: TeardownDeps, tenant: Tenant, spec: PooledTenantSpec): Promise<BackupSummary> {
  if (deps.config.backups === undefined || deps.providers.backups === undefined) {
    throw new Error(
      `deletionPolicy Snapshot of pooled tenant ${tenant.metadata.name} needs the operator's object store (operator config backups): ` +
        `nothing of schema ${spec.schemaName} was dropped; configure backups, or set spec.database.deletionPolicy to Retain or Delete`,
    );
  }
  return deletionBackup(deps, await deps.providers.backups(tenant.spec.region), tenant, spec);
}

/** The Deletion backup, taken once: a finalize repeated after a crash finds the complete one. */
async function deletionBackup(
  deps: TeardownDeps,
  backups: TenantBackups,
  tenant: Tenant,
  spec: TenantDatabaseSpec | PooledTenantSpec,
): Promise<BackupSummary> {
  const owner = { tenant: spec.tenant, tenantUid: spec.tenantUid };
  const earlier = (await backups.list(owner)).find((backup) => backup.reason === 'Deletion');
  return earlier ?? (await backups.backup({ ...backupSubjectOf(tenant, undefined, deps.config), database: spec }, 'Deletion', deps.fence));
}

/**
 * A deleted pool-key tenant's backups are sealed under the region's pool-backups key, which lives
 * on: deleting them is what stands in for the key's deletion (docs/decisions/0055). Delete and
 * Export take them all (an export is kept under its own prefix), Snapshot all but its Deletion
 * backup, Retain none (the data itself is kept). TenantBackups logs what it deleted.
 */
export async function forgetPoolKeyBackups(deps: TeardownDeps, tenant: Tenant): Promise<void> {
  const policy = tenant.spec.database?.deletionPolicy ?? 'Retain';
  if (policy === 'Retain' || deps.config.backups === undefined || deps.providers.backups === undefined) return;
  const backups = await deps.providers.backups(tenant.spec.region);
  const owner = { tenant: tenant.metadata.name, tenantUid: tenant.metadata.uid ?? '' };
  await backups.deleteAll(owner, deps.fence, (backup) => policy === 'Snapshot' && backup.reason === 'Deletion');
}
