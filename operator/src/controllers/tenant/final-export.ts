/**
 * The final export of a tenant deleted with deletionPolicy Export: written and its manifest signed
 * before anything is dropped or shredded, then recorded with the key's deletion date once the key
 * is scheduled for deletion. A failed export (no object store configured, the store unreachable,
 * no signing key, no recipient key) blocks the deletion with reason ExportFailed and is retried; it is never skipped
 * (docs/decisions/0017, 0040).
 */
import type { KeyObject } from 'node:crypto';
import { ConditionType, Reason } from '../../api/conditions.js';
import { parseExportRecipientKey } from '../../api/export-recipient.js';
import { tenantRuleMessages, type Tenant } from '../../api/tenant.js';
import type { CompletedExport, TenantExports } from '../../providers/backup/index.js';
import type { BackupOwner } from '../../providers/backup/layout.js';
import { errorMessage } from '../../runtime/errors.js';
import { lazyModule } from '../../runtime/lazy-module.js';
import { backupSubjectOf } from '../backup/database-spec.js';
import { exportSigningKey } from './export-signing-key.js';
import type { TeardownDeps, TeardownResult } from './teardown.js';

/** The export's code (pg_dump's archive, the KMS and S3 SDKs) is loaded by the first export (docs/decisions/0065). */
const exportCode = lazyModule(() => import('../../providers/backup/index.js'));

/** How long a failed export waits before it is tried again. */
export const exportRetryMs = 15_000;

export interface FinalExport {
  exports: TenantExports;
  owner: BackupOwner;
  completed: CompletedExport;
}

export type ExportAttempt = { exported: FinalExport; failed?: undefined } | { failed: TeardownResult; exported?: undefined };

async function exportsOf(deps: TeardownDeps, tenant: Tenant): Promise<TenantExports> {
  const store = deps.config.backups;
  if (store === undefined || deps.providers.backups === undefined) {
    throw new Error('the operator has no object store configured for it (operator config backups)');
  }
  const { TenantExports } = await exportCode();
  return new TenantExports(await deps.providers.backups(tenant.spec.region), { region: tenant.spec.region, bucket: store.bucket });
}

/** The customer's key from the spec; a Tenant admitted before the field was required is told what to set. */
function exportRecipient(tenant: Tenant): KeyObject {
  const pem = tenant.spec.database.export?.recipientPublicKey;
  if (pem === undefined) throw new Error(tenantRuleMessages.exportRecipientRequired);
  const key = parseExportRecipientKey(pem);
  if (typeof key === 'string') throw new Error(`${tenantRuleMessages.exportRecipientKey}: ${key}`);
  return key;
}

/** Writes the export (once) and signs its manifest; a failure becomes the ExportFailed outcome that keeps the finalizer. */
export async function writeFinalExport(deps: TeardownDeps, tenant: Tenant): Promise<ExportAttempt> {
  const name = tenant.metadata.name;
  const owner = { tenant: name, tenantUid: tenant.metadata.uid ?? '' };
  try {
    const recipient = exportRecipient(tenant);
    const exports = await exportsOf(deps, tenant);
    const signing = await exportSigningKey(deps.client, deps.config);
    // A pooled tenant's export is its schema and shared rows; on the pool key, sealed under the pool-backups key (docs/decisions/0055).
    const subject = backupSubjectOf(tenant, undefined, deps.config);
    const { database } = subject;
    const completed = await exports.export(subject, { signing, recipient }, deps.fence);
    const { isPooledSpec } = await exportCode();
    const message = `Exported ${isPooledSpec(database) ? `schema ${database.schemaName} of` : 'database'} ${database.databaseName} as ${completed.exportId}; signed manifest ${completed.manifestKey} (sha256 ${completed.sha256})`;
    deps.logger.info(message, { tenant: name });
    await deps.events.record(tenant, 'Normal', 'Exported', message).catch(() => undefined);
    return { exported: { exports, owner, completed } };
  } catch (error) {
    const message =
      `the final export of tenant ${name} could not be written, so its database and key are kept and the Tenant stays ` +
      `until it is: ${errorMessage(error)}`;
    deps.logger.error('Final export failed', { tenant: name, error: errorMessage(error) });
    await deps.events.record(tenant, 'Warning', Reason.ExportFailed, message).catch(() => undefined);
    const outcome = { type: ConditionType.DatabaseReady, status: 'False' as const, reason: Reason.ExportFailed, message };
    return { failed: { outcomes: [outcome], report: {}, release: false, retryAfterMs: exportRetryMs } };
  }
}

/** Completes the offboarding record with the key's deletion date, after the key is scheduled for deletion. */
export async function recordOffboarding(exported: FinalExport, deletion: { keyId: string; deletionDate: Date } | undefined): Promise<void> {
  await exported.exports.recordKeyDeletion(exported.owner, exported.completed, deletion);
}
