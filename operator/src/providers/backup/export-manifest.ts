/**
 * The signed manifest of a deleted tenant's final export (deletionPolicy Export): where the sealed
 * archive and its data key are, their SHA-256, the backup manifest's own SHA-256, the KMS key and
 * encryption context that seal it, and the row counts it held, signed with Ed25519 by the
 * operator's audit signing key (docs/decisions/0040). The signature covers the canonical (RFC
 * 8785) JSON of the document without its `signature`, as a report's does, so the customer checks
 * it with the same public key (`bulkhead export verify`). Ed25519 is deterministic: signing the
 * same export again after a crash gives the same bytes.
 */
import { createHash, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { z } from 'zod';
import { TableRowCountSchema, type BackupManifest } from './manifest.js';

/** Version 2 adds `recipient`: the data key sealed to the customer's key; version 1 still verifies. */
export const exportManifestFormatVersion = 2;

const Sha256Schema = z.string().regex(/^[0-9a-f]{64}$/, { error: 'must be a lower-case hex SHA-256' });
const Base64UrlSchema = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'must be base64url' });

export const ExportSignatureSchema = z.strictObject({
  algorithm: z.literal('Ed25519'),
  /** SHA-256 (hex) of the signer's SPKI DER public key: what the customer pins. */
  keyId: Sha256Schema,
  publicKey: Base64UrlSchema,
  value: Base64UrlSchema,
});
export type ExportSignature = z.infer<typeof ExportSignatureSchema>;

const ObjectRefSchema = z.strictObject({ key: z.string().min(1), size: z.int().min(0), sha256: Sha256Schema });

/** The data key sealed to the customer's RSA key, and which key that is. */
export const ExportRecipientSchema = z.strictObject({
  algorithm: z.literal('RSA-OAEP-SHA256'),
  /** SHA-256 (hex) of the recipient's SPKI DER public key: the customer compares it with their own. */
  keyId: Sha256Schema,
  dataKey: ObjectRefSchema,
});
export type ExportRecipient = z.infer<typeof ExportRecipientSchema>;

const exportManifestFields = {
  kind: z.literal('TenantExport'),
  tenant: z.string().min(1),
  tenantUid: z.string().min(1),
  region: z.string().min(1),
  exportId: z.string().regex(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/),
  createdAt: z.iso.datetime(),
  bucket: z.string().min(1),
  /** The sealed pg_dump archive (AES-256-GCM, the ciphertext's size and SHA-256). */
  archive: ObjectRefSchema,
  /** The archive's data key, sealed by KMS under the tenant's key and encryption context. */
  dataKey: ObjectRefSchema,
  /** The backup manifest beside the archive (cipher IV and tag, plaintext digest). */
  backupManifest: ObjectRefSchema,
  keyId: z.string().min(1),
  encryptionContext: z.record(z.string(), z.string()),
  plaintextSha256: Sha256Schema,
  tables: z.array(TableRowCountSchema),
  signature: ExportSignatureSchema,
};

export const ExportManifestSchema = z.discriminatedUnion('formatVersion', [
  z.strictObject({ formatVersion: z.literal(1), ...exportManifestFields }),
  z.strictObject({ formatVersion: z.literal(2), ...exportManifestFields, recipient: ExportRecipientSchema }),
]);
export type ExportManifest = z.infer<typeof ExportManifestSchema>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
export type UnsignedExportManifest = DistributiveOmit<ExportManifest, 'signature'>;

/** The parts of one export as stored, with their sizes and SHA-256. */
export interface StoredExportParts {
  archive: ExportManifest['archive'];
  dataKey: ExportManifest['dataKey'];
  backupManifest: ExportManifest['backupManifest'];
  recipient: ExportRecipient;
}

/** The unsigned manifest of an export from its backup manifest and its stored parts. */
export function exportManifestOf(
  backup: BackupManifest,
  parts: StoredExportParts,
  where: { region: string; bucket: string },
): UnsignedExportManifest & { formatVersion: 2 } {
  return {
    formatVersion: exportManifestFormatVersion,
    kind: 'TenantExport',
    tenant: backup.tenant,
    tenantUid: backup.tenantUid,
    region: where.region,
    exportId: backup.backupId,
    createdAt: backup.createdAt,
    bucket: where.bucket,
    ...parts,
    keyId: backup.keyId,
    encryptionContext: backup.encryptionContext,
    plaintextSha256: backup.plaintext.sha256,
    tables: backup.tables,
  };
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('the value has no JSON form');
  return Buffer.from(text, 'utf8');
}

export function publicKeyId(publicKey: KeyObject): string {
  return sha256Hex(publicKey.export({ type: 'spki', format: 'der' }));
}

/** The signed manifest's file: its canonical JSON, so its bytes (and digest) are one text only. */
export function signExportManifest(manifest: UnsignedExportManifest, privateKey: KeyObject): Buffer {
  if (privateKey.asymmetricKeyType !== 'ed25519')
    throw new Error(`the export signing key must be Ed25519, not ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  const signature: ExportSignature = {
    algorithm: 'Ed25519',
    keyId: publicKeyId(publicKey),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
    value: sign(null, canonicalBytes(manifest), privateKey).toString('base64url'),
  };
  return canonicalBytes({ ...manifest, signature });
}

export class ExportManifestInvalid extends Error {
  constructor(
    readonly reason: 'NotJson' | 'SchemaInvalid' | 'UnexpectedSigner' | 'SignatureInvalid',
    message: string,
  ) {
    super(message);
    this.name = 'ExportManifestInvalid';
  }
}

/**
 * Checks a signed export manifest against the public key the customer trusts: the signer must be
 * that key (the embedded public key is never trusted on its own) and the signature must cover
 * exactly these fields. Returns the manifest; throws ExportManifestInvalid naming what failed.
 */
export function verifyExportManifest(text: string, trusted: KeyObject): ExportManifest {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ExportManifestInvalid('NotJson', 'the export manifest is not JSON');
  }
  const parsed = ExportManifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ExportManifestInvalid(
      'SchemaInvalid',
      `the export manifest is invalid: ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    );
  }
  const { signature, ...unsigned } = parsed.data;
  const trustedId = publicKeyId(trusted);
  if (signature.keyId !== trustedId) {
    throw new ExportManifestInvalid(
      'UnexpectedSigner',
      `the export manifest is signed by key ${signature.keyId}, not by the trusted key ${trustedId}`,
    );
  }
  if (!verify(null, canonicalBytes(unsigned), trusted, Buffer.from(signature.value, 'base64url'))) {
    throw new ExportManifestInvalid(
      'SignatureInvalid',
      "the export manifest's signature does not match its contents: it was changed after signing",
    );
  }
  return parsed.data;
}
