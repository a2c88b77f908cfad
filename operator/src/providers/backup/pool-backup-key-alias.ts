/**
 * The alias of a region's pool-backups key (pool-backup-key.ts, docs/decisions/0055), apart from
 * the code that creates the key, so that naming it does not load the KMS SDK (docs/decisions/0065).
 */
export function poolBackupKeyAlias(region: string): string {
  return `alias/bulkhead/pool-backups/${region}`;
}
