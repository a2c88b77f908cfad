/**
 * Backups and restores as the API shows them, built from the Tenant's status and the TenantRestore
 * with no I/O: a backup list newest first (ids, times, sizes, kinds; never where or how it is
 * stored), a restore's progress, and the TenantRestore a restore request becomes.
 */
import { apiVersion, type Tenant } from '../api/index.js';
import { tenantRestoreKind, type TenantRestore } from '../api/tenant-restore.js';
import { createdByAnnotation, requestHashAnnotation } from './idempotency.js';
import { backupKinds, type BackupSummary, type CreateRestoreRequest, type RestoreSummary } from './restore-schemas.js';

function kindOf(reason: string | undefined): BackupSummary['kind'] {
  return (backupKinds as readonly string[]).includes(reason ?? '') ? (reason as BackupSummary['kind']) : null;
}

/** The backups the tenant's status lists, newest first (ids begin with their UTC time). */
export function backupSummaries(tenant: Tenant): BackupSummary[] {
  return (tenant.status?.backups?.latest ?? [])
    .map(({ id, createdAt, size, reason }) => ({ id, createdAt, size, kind: kindOf(reason) }))
    .sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
}

/** A page of `backups` (newest first) after the id `after`, and the id the next page starts after, if any. */
export function backupPage(
  backups: BackupSummary[],
  after: string | undefined,
  limit: number,
): { items: BackupSummary[]; nextAfter?: string } {
  const remaining = backups.filter((backup) => after === undefined || backup.id < after);
  const items = remaining.slice(0, limit);
  const last = items.at(-1);
  return remaining.length > items.length && last ? { items, nextAfter: last.id } : { items };
}

/** Where a restore of `tenant` is read back. */
export function restorePath(tenantsPath: string, tenant: string, id: string): string {
  return `${tenantsPath}/${tenant}/restores/${id}`;
}

const orNull = <T>(value: T | undefined): T | null => value ?? null;

/** What the operator reported, null where it has not yet: Pending until it starts. */
function progressOf(
  status: TenantRestore['status'],
): Pick<RestoreSummary, 'phase' | 'reason' | 'message' | 'startedAt' | 'completedAt' | 'tables'> {
  const { phase = 'Pending', reason, message, startTime, completionTime, tables = [] } = status ?? {};
  return {
    phase,
    reason: orNull(reason),
    message: orNull(message),
    startedAt: orNull(startTime),
    completedAt: orNull(completionTime),
    tables,
  };
}

export function restoreSummary(restore: TenantRestore, tenantsPath: string): RestoreSummary {
  const { spec, metadata } = restore;
  return {
    id: metadata.name,
    tenant: spec.tenant,
    backupId: spec.backup.id,
    fromTenant: spec.backup.fromTenant ?? spec.tenant,
    crossTenantOverride: spec.crossTenantOverride ?? null,
    ...progressOf(restore.status),
    createdBy: metadata.annotations?.[createdByAnnotation] ?? null,
    links: { self: restorePath(tenantsPath, spec.tenant, metadata.name), tenant: `${tenantsPath}/${spec.tenant}` },
  };
}

export interface RestoreAttempt {
  /** The TenantRestore's name: derived from (caller, Idempotency-Key), so a retry finds it. */
  name: string;
  bodyHash: string;
  principalId: string;
}

/**
 * The TenantRestore for a request into `target` of a backup of `source` (the target itself unless
 * fromTenant names another). The source's UID is pinned, so a tenant deleted and created again
 * under the same name is not mistaken for the one that took the backup.
 */
export function tenantRestoreFor(request: CreateRestoreRequest, target: string, source: Tenant, attempt: RestoreAttempt): TenantRestore {
  const crossTenant = source.metadata.name !== target;
  return {
    apiVersion,
    kind: tenantRestoreKind,
    metadata: {
      name: attempt.name,
      annotations: { [requestHashAnnotation]: attempt.bodyHash, [createdByAnnotation]: attempt.principalId },
    },
    spec: {
      tenant: target,
      backup: {
        id: request.backupId,
        ...(crossTenant ? { fromTenant: source.metadata.name } : {}),
        ...(source.metadata.uid ? { fromTenantUid: source.metadata.uid } : {}),
      },
      ...(request.crossTenantOverride ? { crossTenantOverride: request.crossTenantOverride } : {}),
    },
  };
}
