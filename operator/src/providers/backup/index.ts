/**
 * The backup provider: encrypted pg_dump archives of each tenant's database in an S3-compatible
 * object store, sealed under the tenant's own KMS key, pruned by retention, and restored with
 * verification; for a pooled tenant, of its schema and its rows of the shared tables
 * (pooled-archive.ts). Plain classes, no Kubernetes: the tenant controller passes a BackupSubject.
 */
export {
  TenantBackups,
  backupCrashPoints,
  isPooledSpec,
  type BackupSubject,
  type BackupSummary,
  type Retention,
  type TenantBackupsOptions,
} from './tenant-backups.js';
export {
  TenantExports,
  exportCrashPoints,
  exportObjects,
  offboardingRecordKeys,
  parseOffboardingRecord,
  type CompletedExport,
  type ExportKeys,
  type OffboardingRecord,
} from './tenant-exports.js';
export { ExportManifestInvalid, publicKeyId, sha256Hex, verifyExportManifest, type ExportManifest } from './export-manifest.js';
export { openAsRecipient, recipientKeyId, recipientSealAlgorithm, sealToRecipient } from './recipient-seal.js';
export { decryptFile } from './envelope.js';
export { parseManifest as parseBackupManifest } from './manifest.js';
export { restoreBackup, type RestoreRequest, type RestoreResult } from './restore.js';
export { ObjectStore, type ObjectStoreEndpoint } from './object-store.js';
export { backupEncryptionContext, poolBackupEncryptionContext } from './data-keys.js';
export { poolBackupKeyAlias, poolBackupKeyCrashPoints, type PoolBackupKeyRequest } from './pool-backup-key.js';
export {
  BackupError,
  BackupFailed,
  BackupNotUsable,
  BackupStoreUnavailable,
  RestoreNotVerified,
  RestoreRefused,
  RestoreTierMismatch,
} from './errors.js';
export type { BackupManifest, TableRowCount } from './manifest.js';
export type { BackupOwner } from './layout.js';
