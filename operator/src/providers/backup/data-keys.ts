/**
 * The data keys that seal backups: one GenerateDataKey per archive under the tenant's own KMS key
 * and the backup context (`tenant=<name>`, `purpose=backup`: the only context the key policy lets
 * the operator use, decision 0045), and Decrypt of a stored data key under the context the caller
 * names. Because KMS binds the context to the ciphertext, a data key sealed for tenant A does not
 * open under B's context: a backup cannot be restored into another tenant unless an override names
 * A's context on purpose.
 */
import { DecryptCommand, GenerateDataKeyCommand } from '@aws-sdk/client-kms';
import { backupPurpose, encryptionContextKey, purposeContextKey } from '../kms/key-policy.js';
import type { KmsSession } from '../kms/kms-session.js';
import { tenantUidContextKey } from './pool-backup-key.js';

export type EncryptionContext = Record<string, string>;

/** The context of every data key that seals one of the tenant's archives. */
export function backupEncryptionContext(tenant: string): EncryptionContext {
  return { [encryptionContextKey]: tenant, [purposeContextKey]: backupPurpose };
}

/**
 * The context of an archive of a pool-key tenant, sealed under the region's pool-backups key
 * (pool-backup-key.ts): its UID too, since that key outlives the tenant and its namesakes.
 */
export function poolBackupEncryptionContext(tenant: string, tenantUid: string): EncryptionContext {
  return { ...backupEncryptionContext(tenant), [tenantUidContextKey]: tenantUid };
}

/** The context a restore opens an archive under for `target`: the shape it was sealed with, the target's values. */
export function restoreEncryptionContext(sealedWith: EncryptionContext, target: { tenant: string; tenantUid: string }): EncryptionContext {
  return tenantUidContextKey in sealedWith
    ? poolBackupEncryptionContext(target.tenant, target.tenantUid)
    : backupEncryptionContext(target.tenant);
}

export interface DataKey {
  /** The key to seal one archive with; the caller wipes it when done. */
  plaintext: Buffer;
  /** The same key sealed by KMS, stored beside the archive. */
  sealed: Buffer;
  /** The KMS key's ARN, as KMS reports it. */
  keyId: string;
}

export async function generateDataKey(session: KmsSession, keyAlias: string, context: EncryptionContext): Promise<DataKey> {
  const response = await session.call(`generating a data key under ${keyAlias}`, (kms, options) =>
    kms.send(new GenerateDataKeyCommand({ KeyId: keyAlias, KeySpec: 'AES_256', EncryptionContext: context }), options),
  );
  if (response.Plaintext === undefined || response.CiphertextBlob === undefined) {
    throw new Error(`generating a data key under ${keyAlias}: KMS returned no key`);
  }
  return { plaintext: Buffer.from(response.Plaintext), sealed: Buffer.from(response.CiphertextBlob), keyId: response.KeyId ?? keyAlias };
}

/** Opens a sealed data key; KMS refuses (InvalidCiphertextException) when the context is not the one it was sealed with. */
export async function openDataKey(session: KmsSession, sealed: Uint8Array, context: EncryptionContext): Promise<Buffer> {
  const response = await session.call('opening the data key of a backup', (kms, options) =>
    kms.send(new DecryptCommand({ CiphertextBlob: sealed, EncryptionContext: context }), options),
  );
  if (response.Plaintext === undefined) throw new Error('opening the data key of a backup: KMS returned no key');
  return Buffer.from(response.Plaintext);
}
