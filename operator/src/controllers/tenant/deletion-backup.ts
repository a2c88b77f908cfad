/**
 * The Snapshot deletion policy's dump, also in the object store when the operator has backups
 * configured: a backup with reason Deletion, sealed under the tenant's key, taken before the
 * database is dropped and before the key is scheduled for deletion (so it is readable during the
 * key's pending window, and unreadable after it: crypto-shredding). Taken once: a finalize
 * repeated after a crash finds the complete Deletion backup and does not take another.
 */
import { keyAlias } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantDatabaseSpec } from '../../providers/database/index.js';
import type { TeardownDeps } from './teardown.js';

/** Stores the backup if it can; returns words for the Event ("; backup <id> in the object store"), or "". */
export async function storeDeletionBackup(deps: TeardownDeps, tenant: Tenant, spec: TenantDatabaseSpec): Promise<string> {
  if (deps.config.backups === undefined || deps.providers.backups === undefined) return '';
  const backups = await deps.providers.backups(tenant.spec.region);
  const owner = { tenant: spec.tenant, tenantUid: spec.tenantUid };
  const earlier = (await backups.list(owner)).find((backup) => backup.reason === 'Deletion');
  const stored = earlier ?? (await backups.backup({ database: spec, keyAlias: keyAlias(tenant) }, 'Deletion', deps.fence));
  return `, and as backup ${stored.id} in the object store`;
}
