/**
 * Where a tenant's backups live in the bucket: `<prefix>tenants/<tenant>/<tenantUid>/<backupId>/`
 * holding `archive.enc`, `data-key.bin` and, last, `manifest.json`. The UID keeps a namesake's
 * backups apart; every key the store writes is checked against the tenant's own prefix, so a dump
 * of one tenant is never written under another's.
 */
export const backupParts = {
  archive: 'archive.enc',
  dataKey: 'data-key.bin',
  manifest: 'manifest.json',
  /** An export's data key sealed to the customer's RSA key (tenant-exports.ts); backups have none. */
  recipientDataKey: 'data-key.recipient.bin',
} as const;

export interface BackupOwner {
  tenant: string;
  tenantUid: string;
}

const namePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const uidPattern = /^[A-Za-z0-9-]{1,64}$/;
const backupIdPattern = /^\d{8}T\d{6}Z-[0-9a-f]{6}$/;

/** The tenant's own prefix; refuses a name or UID that could step outside it ("..", "/"). */
export function tenantPrefix(prefix: string, owner: BackupOwner): string {
  if (!namePattern.test(owner.tenant)) throw new Error(`tenant ${JSON.stringify(owner.tenant)} is not a DNS label`);
  if (!uidPattern.test(owner.tenantUid)) throw new Error(`tenant UID ${JSON.stringify(owner.tenantUid)} is not a Kubernetes UID`);
  return `${prefix}tenants/${owner.tenant}/${owner.tenantUid}/`;
}

export function isBackupId(text: string): boolean {
  return backupIdPattern.test(text);
}

/** The key of one part of one backup of the tenant. */
export function backupKey(prefix: string, owner: BackupOwner, backupId: string, part: keyof typeof backupParts): string {
  if (!isBackupId(backupId)) throw new Error(`backup id ${JSON.stringify(backupId)} must look like 20261206T191500Z-0a1b2c`);
  return `${tenantPrefix(prefix, owner)}${backupId}/${backupParts[part]}`;
}

/** The backup id a key under the tenant's prefix belongs to, or undefined for a key that is not a backup part. */
export function backupIdOfKey(prefix: string, owner: BackupOwner, key: string): string | undefined {
  const own = tenantPrefix(prefix, owner);
  if (!key.startsWith(own)) return undefined;
  const [backupId, part, ...rest] = key.slice(own.length).split('/');
  if (backupId === undefined || !isBackupId(backupId) || part === undefined || rest.length > 0) return undefined;
  return backupId;
}
