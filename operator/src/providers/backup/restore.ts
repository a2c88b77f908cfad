/**
 * Restoring a backup into a tenant's database: the data key is opened under the target tenant's
 * encryption context, so KMS itself refuses another tenant's backup; only an explicit override
 * (which the caller must have authorised and recorded) opens it under the context it was sealed
 * with. The archive is checked against the manifest's SHA-256 on both sides, restored with
 * pg_restore in one transaction as the target's own role (so its objects stay the tenant's), and
 * verified by the row counts the manifest recorded.
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { runPostgresTool } from '../database/snapshot.js';
import type { PooledTenantSpec } from '../database/pooled/types.js';
import type { TenantDatabaseSpec } from '../database/types.js';
import type { KeyProviderError } from '../kms/errors.js';
import { openDataKey, restoreEncryptionContext, type EncryptionContext } from './data-keys.js';
import { decryptFile } from './envelope.js';
import { BackupNotUsable, RestoreNotVerified, RestoreRefused, RestoreTierMismatch } from './errors.js';
import { backupKey, type BackupOwner } from './layout.js';
import { rowCountMismatches, type BackupManifest, type TableRowCount } from './manifest.js';
import { countPooledRows, restorePooledArchive } from './pooled-archive.js';
import { countRows } from './row-counts.js';
import { isPooledSpec, type TenantBackups } from './tenant-backups.js';

export interface RestoreRequest {
  /** Whose backup: the tenant that took it (name and UID, as in the manifest). */
  source: BackupOwner;
  backupId: string;
  /**
   * The database to restore into: the source tenant's own, or another (new) tenant's; for a pooled
   * tenant, its schema in the pool (a pooled backup restores only into a pooled tenant of the same
   * schema, a dedicated one only into a database: RestoreTierMismatch otherwise).
   */
  target: TenantDatabaseSpec | PooledTenantSpec;
  /**
   * Open the data key under the context it was sealed with rather than the target's: what a
   * platform admin's override of the cross-tenant refusal does. Off, KMS refuses another tenant's backup.
   */
  crossTenantOverride: boolean;
}

export interface RestoreResult {
  backupId: string;
  tables: TableRowCount[];
  crossTenant: boolean;
}

/** KMS's answer when the context does not match the one the data key was sealed with. */
const contextRefusals = ['InvalidCiphertextException', 'AccessDeniedException', 'IncorrectKeyException'];

export async function restoreBackup(backups: TenantBackups, request: RestoreRequest): Promise<RestoreResult> {
  const manifest = await backups.manifest(request.source, request.backupId);
  assertSameTier(manifest, request);
  const crossTenant = request.target.tenant !== manifest.tenant || request.target.tenantUid !== manifest.tenantUid;
  const context = request.crossTenantOverride
    ? manifest.encryptionContext
    : restoreEncryptionContext(manifest.encryptionContext, request.target);
  const dataKey = await openKey(backups, request, context);
  const work = join(backups.options.workDir, `restore-${request.target.tenantUid}-${request.backupId}`);
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true, mode: 0o700 });
  try {
    const plainFile = await fetchAndOpen(backups, { request, manifest, dataKey, work });
    await restoreArchive(backups, request.target, { plainFile, work });
  } finally {
    dataKey.fill(0);
    await rm(work, { recursive: true, force: true });
  }
  const { server, timeoutMillis } = backups.options;
  const tables = isPooledSpec(request.target)
    ? await countPooledRows({ server, timeoutMillis }, request.target)
    : await countRows({ server, database: request.target.databaseName, timeoutMillis });
  const mismatches = rowCountMismatches(manifest.tables, tables);
  if (mismatches.length > 0)
    throw new RestoreNotVerified(
      `restored backup ${request.backupId} into ${where(request.target)}, but row counts differ: ${mismatches.join('; ')}`,
    );
  return { backupId: request.backupId, tables: manifest.tables, crossTenant };
}

function where(target: RestoreRequest['target']): string {
  return isPooledSpec(target) ? `schema ${target.schemaName} of ${target.databaseName}` : target.databaseName;
}

/**
 * A pooled tenant's backup (its schema and shared rows) restores only into a pooled tenant whose
 * schema and role are the ones in the archive (the tenant itself, or a later tenant of its name);
 * a database's backup only into a database. Checked before any key is opened or anything changed.
 */
function assertSameTier(manifest: BackupManifest, request: RestoreRequest): void {
  const { target } = request;
  const source = `backup ${request.backupId} of tenant ${manifest.tenant}`;
  if (manifest.pooled === undefined && isPooledSpec(target)) {
    throw new RestoreTierMismatch(
      `${source} is of a database of its own, but tenant ${target.tenant} is pooled (schema ${target.schemaName}): ` +
        'spec.tenant must have a database of its own to restore it into (a database backup is not restored into the pool); nothing was changed',
    );
  }
  if (manifest.pooled !== undefined && !isPooledSpec(target)) {
    throw new RestoreTierMismatch(
      `${source} is of pooled schema ${manifest.pooled.schema}, but tenant ${target.tenant} has database ${target.databaseName} of its own: ` +
        'spec.tenant must be a pooled tenant to restore a pooled backup (promotion, not a restore, moves a pooled tenant out); nothing was changed',
    );
  }
  if (
    manifest.pooled !== undefined &&
    isPooledSpec(target) &&
    (manifest.pooled.schema !== target.schemaName || manifest.pooled.role !== target.roleName)
  ) {
    throw new RestoreTierMismatch(
      `${source} holds schema ${manifest.pooled.schema} and the rows of role ${manifest.pooled.role}; tenant ${target.tenant} has schema ` +
        `${target.schemaName}: a pooled backup restores only into the tenant of the same name (spec.backup.fromTenant must equal spec.tenant); nothing was changed`,
    );
  }
}

/** pg_restore into a database of the tenant's own, or the pooled restore (one transaction too) into its schema. */
async function restoreArchive(
  backups: TenantBackups,
  target: RestoreRequest['target'],
  files: { plainFile: string; work: string },
): Promise<void> {
  const { server, timeoutMillis } = backups.options;
  if (isPooledSpec(target)) {
    await restorePooledArchive({ server, timeoutMillis }, files.plainFile, target, files.work);
    return;
  }
  await runPostgresTool(
    'pg_restore',
    [
      '--clean',
      '--if-exists',
      '--no-owner',
      '--no-privileges',
      '--single-transaction',
      '--exit-on-error',
      `--role=${target.roleName}`,
      `--dbname=${connectionStringOf(target.databaseName)}`,
      files.plainFile,
    ],
    target,
    { server, timeoutMillis, consequence: 'the database is as it was before the restore' },
  );
}

/**
 * pg_restore must be named a database to restore into rather than print SQL; given as a libpq
 * connection string with the name quoted, so no character of it is read as another keyword.
 */
function connectionStringOf(databaseName: string): string {
  return `dbname='${databaseName.replace(/[\\']/g, (character) => `\\${character}`)}'`;
}

async function openKey(backups: TenantBackups, request: RestoreRequest, context: EncryptionContext): Promise<Buffer> {
  const { store, prefix, kms } = backups.options;
  const sealed = await store.getBytes(backupKey(prefix, request.source, request.backupId, 'dataKey'));
  if (sealed === undefined) throw new BackupNotUsable(`backup ${request.backupId} of tenant ${request.source.tenant} has no data key`);
  try {
    return await openDataKey(kms, sealed, context);
  } catch (error) {
    const kmsError = (error as KeyProviderError).kmsError;
    if (kmsError === undefined || !contextRefusals.includes(kmsError)) throw error;
    throw new RestoreRefused(
      `KMS refused to open the data key of backup ${request.backupId} of tenant ${request.source.tenant} for tenant ${request.target.tenant} (${kmsError}): ` +
        'a backup restores only into the tenant that took it, unless a platform admin overrides',
      { cause: error },
    );
  }
}

async function fetchAndOpen(
  backups: TenantBackups,
  run: { request: RestoreRequest; manifest: BackupManifest; dataKey: Buffer; work: string },
): Promise<string> {
  const { request, manifest, dataKey, work } = run;
  const archive = join(work, 'archive.enc');
  const found = await backups.options.store.getToFile(
    backupKey(backups.options.prefix, request.source, request.backupId, 'archive'),
    archive,
  );
  if (!found) throw new BackupNotUsable(`backup ${request.backupId} of tenant ${request.source.tenant} has no archive`);
  const plainFile = join(work, 'archive.dump');
  const seal = { iv: Buffer.from(manifest.cipher.iv, 'base64'), authTag: Buffer.from(manifest.cipher.authTag, 'base64') };
  let opened;
  try {
    opened = await decryptFile(archive, plainFile, dataKey, seal);
  } catch (error) {
    throw new BackupNotUsable(`backup ${request.backupId}: the archive does not authenticate under its data key`, { cause: error });
  }
  if (opened.ciphertext.sha256 !== manifest.ciphertext.sha256 || opened.plaintext.sha256 !== manifest.plaintext.sha256) {
    throw new BackupNotUsable(`backup ${request.backupId}: the archive's SHA-256 differs from its manifest's`);
  }
  return plainFile;
}
