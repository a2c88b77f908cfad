/**
 * TenantBackups: a region's backups of tenant databases in the object store. A backup is a
 * pg_dump archive (custom format) sealed with envelope encryption under the tenant's own KMS key,
 * its sealed data key beside it, and its manifest written last as the mark of completion. Parts
 * without a manifest are a crashed run's leftovers: the next backup of the tenant deletes them,
 * so a crash at any point converges on complete backups only.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { crashPoint } from '../../runtime/crash-points.js';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import { snapshotDatabase } from '../database/snapshot.js';
import type { PooledTenantSpec } from '../database/pooled/types.js';
import type { DatabaseServer, TenantDatabaseSpec } from '../database/types.js';
import type { KmsSession } from '../kms/kms-session.js';
import { backupEncryptionContext, generateDataKey, poolBackupEncryptionContext, type EncryptionContext } from './data-keys.js';
import { encryptFile } from './envelope.js';
import { BackupNotUsable } from './errors.js';
import { backupIdOfKey, backupKey, tenantPrefix, type BackupOwner } from './layout.js';
import { cipherAlgorithm, manifestFormatVersion, newBackupId, parseManifest, type BackupManifest } from './manifest.js';
import type { ObjectStore } from './object-store.js';
import { ensurePoolBackupKey, type PoolBackupKeyRequest } from './pool-backup-key.js';
import { dumpPooledArchive } from './pooled-archive.js';
import { withCountedSnapshot } from './row-counts.js';

export const backupCrashPoints = {
  afterArchiveUpload: 'backup.after-archive-upload',
  afterDataKeyUpload: 'backup.after-data-key-upload',
  afterManifestUpload: 'backup.after-manifest-upload',
  afterManifestDelete: 'backup.after-manifest-delete',
} as const;

export interface TenantBackupsOptions {
  store: ObjectStore;
  /** Every key the operator writes starts with it (e.g. `bulkhead/`); its IAM policy is scoped to it. */
  prefix: string;
  kms: KmsSession;
  server: DatabaseServer;
  /** A local directory for the dump and its ciphertext while they are made (0700; emptied after each run). */
  workDir: string;
  timeoutMillis: number;
  logger: Logger;
}

/** What is said about a backup in a Tenant's status: nothing secret. */
export interface BackupSummary {
  id: string;
  createdAt: string;
  /** Bytes of the encrypted archive in the store. */
  size: number;
  reason: BackupManifest['reason'];
}

/**
 * The tenant as the backup needs it: its database (or, for a pooled tenant, its schema in the pool:
 * the archive is then its schema and its shared rows, pooled-archive.ts) and the alias of its key.
 */
export interface BackupSubject {
  database: TenantDatabaseSpec | PooledTenantSpec;
  keyAlias: string;
  /**
   * A tenant on its region's pool key has no key the operator may seal with: its archives go under
   * the region's pool-backups key instead of keyAlias (pool-backup-key.ts, docs/decisions/0055).
   */
  poolBackupKey?: PoolBackupKeyRequest;
}

export function isPooledSpec(spec: TenantDatabaseSpec | PooledTenantSpec): spec is PooledTenantSpec {
  return 'schemaName' in spec && typeof spec.schemaName === 'string';
}

export interface Retention {
  /** Keep at most this many complete backups. */
  keepLast: number;
  /** And none older than this many days (the newest backup is always kept). */
  maxAgeDays?: number;
}

function summaryOf(manifest: BackupManifest): BackupSummary {
  return { id: manifest.backupId, createdAt: manifest.createdAt, size: manifest.ciphertext.size, reason: manifest.reason };
}

function ownerOf(spec: TenantDatabaseSpec): BackupOwner {
  return { tenant: spec.tenant, tenantUid: spec.tenantUid };
}

/**
 * The backups this process is taking, by id: a scheduled backup and a deletion's or export's may run
 * for one tenant at once, and neither may take the other's parts or work directory for a crashed
 * run's. Process-wide, as the work directory is.
 */
const inFlight = new Set<string>();

export class TenantBackups {
  constructor(readonly options: TenantBackupsOptions) {}

  /**
   * Takes a backup of the tenant's database; returns its summary once the manifest is stored. The
   * manifest is written only after the fence confirms leadership: a leader that lost its Lease
   * mid-backup must not mark complete a backup whose parts the new leader may already have removed
   * as a crashed run's.
   */
  async backup(subject: BackupSubject, reason: BackupManifest['reason'], fence: LeadershipFence, now = new Date()): Promise<BackupSummary> {
    const owner = ownerOf(subject.database);
    await this.removeIncomplete(owner, fence);
    const backupId = newBackupId(now, randomBytes(3).toString('hex'));
    inFlight.add(backupId);
    try {
      const work = await this.workDirFor(owner, backupId);
      try {
        const manifest = await this.dumpAndUpload(subject, { backupId, reason, now, work, fence });
        this.options.logger.info('Stored backup', { tenant: owner.tenant, backupId, size: manifest.ciphertext.size, reason });
        return summaryOf(manifest);
      } finally {
        await rm(work, { recursive: true, force: true });
      }
    } finally {
      inFlight.delete(backupId);
    }
  }

  /** The tenant's complete backups, newest first. */
  async list(owner: BackupOwner): Promise<BackupSummary[]> {
    const manifests = await this.manifests(owner);
    return manifests.map(summaryOf);
  }

  /** The manifest of one complete backup; BackupNotUsable when it is missing or incomplete. */
  async manifest(owner: BackupOwner, backupId: string): Promise<BackupManifest> {
    const key = backupKey(this.options.prefix, owner, backupId, 'manifest');
    const bytes = await this.options.store.getBytes(key);
    if (bytes === undefined) throw new BackupNotUsable(`backup ${backupId} of tenant ${owner.tenant} does not exist or never completed`);
    const manifest = parseManifest(Buffer.from(bytes).toString('utf8'), key);
    if (manifest.tenant !== owner.tenant || manifest.tenantUid !== owner.tenantUid || manifest.backupId !== backupId) {
      throw new BackupNotUsable(`the manifest at ${key} names another backup (${manifest.tenant}/${manifest.backupId})`);
    }
    return manifest;
  }

  /**
   * Deletes every backup of the tenant but those `keep` names, behind the fence, manifests first:
   * what stands in for crypto-shredding when the sealing key outlives the tenant (a pool-key
   * tenant's, docs/decisions/0055). Returns the ids deleted; a repeat finds fewer.
   */
  async deleteAll(owner: BackupOwner, fence: LeadershipFence, keep: (backup: BackupSummary) => boolean = () => false): Promise<string[]> {
    const doomed = (await this.manifests(owner)).map(summaryOf).filter((backup) => !keep(backup));
    await destructive(fence, `deleting the backups of tenant ${owner.tenant}`, async () => {
      for (const backup of doomed) await this.deleteBackup(owner, backup.id);
    });
    await this.removeIncomplete(owner, fence);
    if (doomed.length > 0)
      this.options.logger.info('Deleted backups', { tenant: owner.tenant, backupIds: doomed.map((backup) => backup.id) });
    return doomed.map((backup) => backup.id);
  }

  /** Deletes complete backups beyond the retention; returns the ids deleted. */
  async prune(owner: BackupOwner, retention: Retention, now = new Date()): Promise<string[]> {
    const complete = await this.manifests(owner);
    const oldest = retention.maxAgeDays === undefined ? undefined : now.getTime() - retention.maxAgeDays * 86_400_000;
    const expired = complete.filter(
      (manifest, index) => index > 0 && (index >= retention.keepLast || (oldest !== undefined && Date.parse(manifest.createdAt) < oldest)),
    );
    for (const manifest of expired) await this.deleteBackup(owner, manifest.backupId);
    if (expired.length > 0) this.options.logger.info('Pruned backups', { tenant: owner.tenant, backupIds: expired.map((m) => m.backupId) });
    return expired.map((manifest) => manifest.backupId);
  }

  /**
   * Deletes the parts of backups that have no manifest (a crashed run's, or a former leader's),
   * behind the fence; a backup this process is still taking is not one. Returns their ids.
   */
  async removeIncomplete(owner: BackupOwner, fence: LeadershipFence): Promise<string[]> {
    const parts = await this.parts(owner);
    const incomplete = [...parts].filter(([id, keys]) => !inFlight.has(id) && !keys.some((key) => key.endsWith('/manifest.json')));
    if (incomplete.length === 0) return [];
    await destructive(fence, `removing the incomplete backups of tenant ${owner.tenant}`, async () => {
      for (const [, keys] of incomplete) await this.options.store.delete(keys);
    });
    if (incomplete.length > 0) {
      this.options.logger.info('Removed incomplete backups', { tenant: owner.tenant, backupIds: incomplete.map(([id]) => id) });
    }
    return incomplete.map(([id]) => id);
  }

  /** Closes the store's and KMS's clients. */
  close(): void {
    this.options.store.close();
    this.options.kms.close();
  }

  /** Every backup of the tenant (complete or not), by id, with the keys of its parts. */
  private async parts(owner: BackupOwner): Promise<Map<string, string[]>> {
    const byId = new Map<string, string[]>();
    for (const object of await this.options.store.list(tenantPrefix(this.options.prefix, owner))) {
      const id = backupIdOfKey(this.options.prefix, owner, object.key);
      if (id !== undefined) byId.set(id, [...(byId.get(id) ?? []), object.key]);
    }
    return byId;
  }

  private async manifests(owner: BackupOwner): Promise<BackupManifest[]> {
    const ids = [...(await this.parts(owner))].filter(([, keys]) => keys.some((key) => key.endsWith('/manifest.json'))).map(([id]) => id);
    const manifests = await Promise.all(ids.map((id) => this.manifest(owner, id)));
    return manifests.sort((a, b) => b.backupId.localeCompare(a.backupId));
  }

  /** The manifest goes first, so the backup stops counting as complete before any part is gone. */
  private async deleteBackup(owner: BackupOwner, backupId: string): Promise<void> {
    const { store, prefix } = this.options;
    await store.delete([backupKey(prefix, owner, backupId, 'manifest')]);
    crashPoint(backupCrashPoints.afterManifestDelete);
    await store.delete([backupKey(prefix, owner, backupId, 'archive'), backupKey(prefix, owner, backupId, 'dataKey')]);
  }

  /** A fresh 0700 directory for this run; a crashed run's directory of the same tenant (plaintext) is removed first. */
  private async workDirFor(owner: BackupOwner, backupId: string): Promise<string> {
    const { workDir } = this.options;
    await mkdir(workDir, { recursive: true, mode: 0o700 });
    const mine = `backup-${owner.tenantUid}-`;
    for (const entry of await readdir(workDir)) {
      if (entry.startsWith(mine) && !inFlight.has(entry.slice(mine.length)))
        await rm(join(workDir, entry), { recursive: true, force: true });
    }
    const work = join(workDir, `${mine}${backupId}`);
    await mkdir(work, { mode: 0o700 });
    return work;
  }

  /** The key alias and context the archive's data key is made under. */
  private async sealing(subject: BackupSubject): Promise<{ alias: string; context: EncryptionContext }> {
    const { tenant, tenantUid } = subject.database;
    if (subject.poolBackupKey === undefined) return { alias: subject.keyAlias, context: backupEncryptionContext(tenant) };
    const alias = await ensurePoolBackupKey(this.options.kms, this.options.logger, subject.poolBackupKey);
    return { alias, context: poolBackupEncryptionContext(tenant, tenantUid) };
  }

  /** The plaintext archive in `work` and the row counts of the snapshot it was read in. */
  private async dump(spec: BackupSubject['database'], work: string): Promise<{ file: string; tables: BackupManifest['tables'] }> {
    const { server, timeoutMillis } = this.options;
    if (isPooledSpec(spec)) return dumpPooledArchive({ server, timeoutMillis }, spec, work);
    const counted = { server, database: spec.databaseName, timeoutMillis };
    return withCountedSnapshot(counted, async (exportedSnapshot, counts) => ({
      file: await snapshotDatabase(spec, { server, dir: work, timeoutMillis, exportedSnapshot }),
      tables: counts,
    }));
  }

  private async dumpAndUpload(
    subject: BackupSubject,
    run: { backupId: string; reason: BackupManifest['reason']; now: Date; work: string; fence: LeadershipFence },
  ): Promise<BackupManifest> {
    const { options } = this;
    const spec = subject.database;
    const owner = ownerOf(spec);
    const { file, tables } = await this.dump(spec, run.work);
    const { alias, context } = await this.sealing(subject);
    const dataKey = await generateDataKey(options.kms, alias, context);
    let sealed;
    try {
      sealed = await encryptFile(file, join(run.work, 'archive.enc'), dataKey.plaintext);
    } finally {
      dataKey.plaintext.fill(0);
    }
    await rm(file, { force: true });
    const key = (part: 'archive' | 'dataKey' | 'manifest'): string => backupKey(options.prefix, owner, run.backupId, part);
    await options.store.putFile(key('archive'), join(run.work, 'archive.enc'));
    crashPoint(backupCrashPoints.afterArchiveUpload);
    await options.store.putBytes(key('dataKey'), dataKey.sealed);
    crashPoint(backupCrashPoints.afterDataKeyUpload);
    const manifest: BackupManifest = {
      formatVersion: manifestFormatVersion,
      backupId: run.backupId,
      tenant: spec.tenant,
      tenantUid: spec.tenantUid,
      databaseName: spec.databaseName,
      reason: run.reason,
      createdAt: run.now.toISOString(),
      keyId: dataKey.keyId,
      encryptionContext: context,
      cipher: { algorithm: cipherAlgorithm, iv: sealed.iv.toString('base64'), authTag: sealed.authTag.toString('base64') },
      plaintext: sealed.plaintext,
      ciphertext: sealed.ciphertext,
      tables,
      ...(isPooledSpec(spec) && { pooled: { schema: spec.schemaName, role: spec.roleName } }),
    };
    await run.fence.confirm(`marking backup ${run.backupId} of tenant ${owner.tenant} complete`);
    await options.store.putBytes(key('manifest'), JSON.stringify(manifest, null, 2), 'application/json');
    crashPoint(backupCrashPoints.afterManifestUpload);
    return manifest;
  }
}
