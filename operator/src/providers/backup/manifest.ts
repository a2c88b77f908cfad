/**
 * The manifest of one backup: what the archive is (sizes and SHA-256 of the plaintext and the
 * ciphertext), how it is sealed (the KMS key, the encryption context, the cipher's IV and tag) and
 * what it held (rows per table, counted in the same snapshot pg_dump read). It is written last, so
 * a backup whose manifest exists is complete; parts without one are leftovers of a crash.
 */
import { z } from 'zod';

export const manifestFormatVersion = 1;
export const cipherAlgorithm = 'AES-256-GCM';

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a lower-case hex SHA-256' });
const Base64Schema = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/, { error: 'must be base64' });

export const TableRowCountSchema = z.strictObject({
  schema: z.string().min(1),
  table: z.string().min(1),
  rows: z.int().min(0),
});
export type TableRowCount = z.infer<typeof TableRowCountSchema>;

export const BackupManifestSchema = z.strictObject({
  formatVersion: z.literal(manifestFormatVersion),
  backupId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
  tenant: z.string().min(1),
  tenantUid: z.string().min(1),
  databaseName: z.string().min(1),
  /** Why it was taken: on the plan's schedule, on request, before the database was dropped, or as the final export of deletionPolicy Export. */
  reason: z.enum(['Scheduled', 'Requested', 'Deletion', 'Export']),
  createdAt: z.iso.datetime(),
  keyId: z.string().min(1),
  encryptionContext: z.record(z.string(), z.string()),
  cipher: z.strictObject({ algorithm: z.literal(cipherAlgorithm), iv: Base64Schema, authTag: Base64Schema }),
  plaintext: z.strictObject({ size: z.int().min(0), sha256: Sha256Schema }),
  ciphertext: z.strictObject({ size: z.int().min(0), sha256: Sha256Schema }),
  tables: z.array(TableRowCountSchema),
  /**
   * Present for a pooled tenant's backup (docs/decisions/0055): the archive is a tar of its schema's
   * dump and its shared rows, and restores only into a pooled tenant with this schema and role.
   */
  pooled: z.strictObject({ schema: z.string().min(1), role: z.string().min(1) }).optional(),
});
export type BackupManifest = z.infer<typeof BackupManifestSchema>;

/** Reads a manifest, naming the field and rule of the first problem. */
export function parseManifest(text: string, where: string): BackupManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`the backup manifest ${where} is not JSON`, { cause: error });
  }
  const parsed = BackupManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(
      `the backup manifest ${where} is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'unknown problem'}`,
    );
  }
  return parsed.data;
}

/** A new backup id: the time to the second, sortable, and a random suffix so two in one second differ. */
export function newBackupId(now: Date, random: string): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
  return `${stamp}-${random}`;
}

/** Tables whose row counts differ between the manifest and the restored database, in words; empty when all agree. */
export function rowCountMismatches(expected: readonly TableRowCount[], actual: readonly TableRowCount[]): string[] {
  const found = new Map(actual.map((count) => [`${count.schema}.${count.table}`, count.rows]));
  return expected.flatMap(({ schema, table, rows }) => {
    const restored = found.get(`${schema}.${table}`);
    if (restored === rows) return [];
    return [`${schema}.${table}: ${rows} rows backed up, ${restored === undefined ? 'table missing' : `${restored} restored`}`];
  });
}
