/**
 * TenantExports: the final export of a tenant deleted with deletionPolicy Export, in the backups'
 * object store under `<prefix>exports/tenants/<tenant>/<tenantUid>/`. The archive is a backup
 * (reason Export) written by the backups' own writer, so it has their format, their sealing under
 * the tenant's key and their crash safety (the backup manifest last; parts without one removed).
 * Beside it go two objects the Tenant's deletion does not take along (docs/decisions/0040):
 *
 * - `offboarding.json`, the record: written before the export starts, so an Export tenant whose
 *   export never completed is still known; completed with the signed manifest's key and digest and
 *   the KMS key's deletion date once the key is scheduled for deletion.
 * - `export-manifest.json`, the signed manifest (export-manifest.ts): written last of the export,
 *   the mark that it is complete. Signing is deterministic, so writing it again is harmless.
 *
 * In the archive's folder goes one part the backups lack, `data-key.recipient.bin`: the data key,
 * opened once with KMS and sealed to the customer's RSA key (recipient-seal.ts), so the customer
 * reads the export after the tenant's key is gone. It is sealed again only when the signed manifest
 * does not already name it for the same recipient, so a repeat signs the same bytes.
 */
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { crashPoint } from '../../runtime/crash-points.js';
import type { LeadershipFence } from '../../runtime/fence.js';
import { openDataKey } from './data-keys.js';
import { ExportManifestSchema, exportManifestOf, sha256Hex, signExportManifest, type ExportRecipient } from './export-manifest.js';
import type { BackupManifest } from './manifest.js';
import { recipientKeyId, recipientSealAlgorithm, sealToRecipient } from './recipient-seal.js';
import { backupKey, tenantPrefix, type BackupOwner } from './layout.js';
import type { ObjectStore } from './object-store.js';
import { TenantBackups, type BackupSubject } from './tenant-backups.js';

export const exportCrashPoints = {
  afterRecordStarted: 'export.after-record-started',
  afterRecipientDataKeyUpload: 'export.after-recipient-data-key-upload',
  afterSignedManifestUpload: 'export.after-signed-manifest-upload',
} as const;

export const exportObjects = { record: 'offboarding.json', signedManifest: 'export-manifest.json' } as const;

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/);

export const OffboardingRecordSchema = z.strictObject({
  formatVersion: z.literal(1),
  tenant: z.string().min(1),
  tenantUid: z.string().min(1),
  region: z.string().min(1),
  deletionPolicy: z.literal('Export'),
  startedAt: z.iso.datetime(),
  /** The signed export manifest: its key in the bucket and the SHA-256 of its bytes. */
  export: z.strictObject({ manifestKey: z.string().min(1), sha256: Sha256Schema, exportId: z.string().min(1) }).optional(),
  /** The tenant's KMS key and when KMS destroys it: the day every backup becomes unreadable. */
  keyDeletion: z.strictObject({ keyId: z.string().min(1), deletionDate: z.iso.datetime() }).optional(),
});
export type OffboardingRecord = z.infer<typeof OffboardingRecordSchema>;

export interface CompletedExport {
  exportId: string;
  manifestKey: string;
  /** SHA-256 (hex) of the signed manifest's bytes. */
  sha256: string;
}

/** The keys an export is written with: the operator's Ed25519 signing key and the customer's RSA key. */
export interface ExportKeys {
  signing: KeyObject;
  recipient: KeyObject;
}

export interface ExportLocation {
  region: string;
  bucket: string;
}

export class TenantExports {
  /** The backups' writer with the exports' prefix: the same store, KMS, database server and work directory. */
  private readonly writer: TenantBackups;
  private readonly store: ObjectStore;
  readonly prefix: string;

  constructor(
    backups: TenantBackups,
    private readonly location: ExportLocation,
  ) {
    this.prefix = `${backups.options.prefix}exports/`;
    this.store = backups.options.store;
    this.writer = new TenantBackups({ ...backups.options, prefix: this.prefix });
  }

  recordKey(owner: BackupOwner): string {
    return `${tenantPrefix(this.prefix, owner)}${exportObjects.record}`;
  }

  manifestKey(owner: BackupOwner): string {
    return `${tenantPrefix(this.prefix, owner)}${exportObjects.signedManifest}`;
  }

  /**
   * Writes the tenant's final export once and signs its manifest; a repeat after a crash finds the
   * complete archive (its backup manifest) and signs that one, never a second.
   */
  async export(subject: BackupSubject, keys: ExportKeys, fence: LeadershipFence, now = new Date()): Promise<CompletedExport> {
    const owner = { tenant: subject.database.tenant, tenantUid: subject.database.tenantUid };
    const record = (await this.record(owner)) ?? (await this.startRecord(owner, now));
    const earlier = (await this.writer.list(owner)).find((stored) => stored.reason === 'Export');
    const exportId = earlier?.id ?? (await this.writer.backup(subject, 'Export', fence, now)).id;
    const backup = await this.writer.manifest(owner, exportId);
    const key = (part: 'archive' | 'dataKey' | 'manifest'): string => backupKey(this.prefix, owner, exportId, part);
    const parts = {
      archive: { key: key('archive'), size: backup.ciphertext.size, sha256: backup.ciphertext.sha256 },
      dataKey: await this.described(key('dataKey')),
      backupManifest: await this.described(key('manifest')),
      recipient: await this.sealedToRecipient(owner, backup, keys.recipient),
    };
    const unsigned = exportManifestOf(backup, parts, { region: record.region, bucket: this.location.bucket });
    const signed = signExportManifest(unsigned, keys.signing);
    const manifestKey = this.manifestKey(owner);
    await this.store.putBytes(manifestKey, signed, 'application/json');
    crashPoint(exportCrashPoints.afterSignedManifestUpload);
    return { exportId, manifestKey, sha256: sha256Hex(signed) };
  }

  /** Completes the record with the export and the key's deletion date. */
  async recordKeyDeletion(
    owner: BackupOwner,
    completed: CompletedExport,
    keyDeletion: { keyId: string; deletionDate: Date } | undefined,
  ): Promise<void> {
    const record = (await this.record(owner)) ?? this.newRecord(owner, new Date());
    const done: OffboardingRecord = {
      ...record,
      export: { manifestKey: completed.manifestKey, sha256: completed.sha256, exportId: completed.exportId },
      ...(keyDeletion && { keyDeletion: { keyId: keyDeletion.keyId, deletionDate: keyDeletion.deletionDate.toISOString() } }),
    };
    await this.store.putBytes(this.recordKey(owner), JSON.stringify(done, null, 2), 'application/json');
  }

  /** The tenant's offboarding record, or undefined when none was written. */
  async record(owner: BackupOwner): Promise<OffboardingRecord | undefined> {
    const bytes = await this.store.getBytes(this.recordKey(owner));
    return bytes === undefined ? undefined : parseOffboardingRecord(Buffer.from(bytes).toString('utf8'), this.recordKey(owner));
  }

  private newRecord(owner: BackupOwner, now: Date): OffboardingRecord {
    return { formatVersion: 1, ...owner, region: this.location.region, deletionPolicy: 'Export', startedAt: now.toISOString() };
  }

  private async startRecord(owner: BackupOwner, now: Date): Promise<OffboardingRecord> {
    const record = this.newRecord(owner, now);
    await this.store.putBytes(this.recordKey(owner), JSON.stringify(record, null, 2), 'application/json');
    crashPoint(exportCrashPoints.afterRecordStarted);
    return record;
  }

  /** The data key sealed to the recipient: the stored part when the signed manifest already names it for this key, else sealed anew. */
  private async sealedToRecipient(owner: BackupOwner, backup: BackupManifest, recipient: KeyObject): Promise<ExportRecipient> {
    const keyId = recipientKeyId(recipient);
    const partKey = backupKey(this.prefix, owner, backup.backupId, 'recipientDataKey');
    const earlier = await this.signedRecipient(owner);
    const stored = earlier?.keyId === keyId ? await this.store.getBytes(partKey) : undefined;
    if (earlier && stored && earlier.dataKey.key === partKey && sha256Hex(stored) === earlier.dataKey.sha256) return earlier;
    const sealedByKms = await this.store.getBytes(backupKey(this.prefix, owner, backup.backupId, 'dataKey'));
    if (sealedByKms === undefined) throw new Error(`the data key of export ${backup.backupId} is missing from the object store`);
    const dataKey = await openDataKey(this.writer.options.kms, sealedByKms, backup.encryptionContext);
    let sealed: Buffer;
    try {
      sealed = sealToRecipient(dataKey, recipient);
    } finally {
      dataKey.fill(0);
    }
    await this.store.putBytes(partKey, sealed);
    crashPoint(exportCrashPoints.afterRecipientDataKeyUpload);
    return { algorithm: recipientSealAlgorithm, keyId, dataKey: { key: partKey, size: sealed.byteLength, sha256: sha256Hex(sealed) } };
  }

  /** What the stored signed manifest (if any, version 2) says about the recipient. */
  private async signedRecipient(owner: BackupOwner): Promise<ExportRecipient | undefined> {
    const bytes = await this.store.getBytes(this.manifestKey(owner));
    if (bytes === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(Buffer.from(bytes).toString('utf8'));
    } catch {
      return undefined;
    }
    const parsed = ExportManifestSchema.safeParse(json);
    return parsed.success && parsed.data.formatVersion === 2 ? parsed.data.recipient : undefined;
  }

  private async described(key: string): Promise<{ key: string; size: number; sha256: string }> {
    const bytes = await this.store.getBytes(key);
    if (bytes === undefined) throw new Error(`the export part ${key} is missing from the object store`);
    return { key, size: bytes.byteLength, sha256: sha256Hex(bytes) };
  }
}

/** Reads an offboarding record, naming the field and rule of the first problem. */
export function parseOffboardingRecord(text: string, where: string): OffboardingRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the offboarding record ${where} is not JSON`, { cause: error });
  }
  const parsed = OffboardingRecordSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the offboarding record ${where} is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  return parsed.data;
}

/** Every offboarding record's key under an exports prefix (`<prefix>exports/`). */
export async function offboardingRecordKeys(store: ObjectStore, exportsPrefix: string): Promise<string[]> {
  const objects = await store.list(`${exportsPrefix}tenants/`);
  return objects.map((object) => object.key).filter((key) => key.endsWith(`/${exportObjects.record}`));
}
