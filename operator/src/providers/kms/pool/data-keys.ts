/**
 * A pooled tenant's data key: 256 bits made by KMS under the pool key with the tenant's
 * encryption context, of which the operator only ever sees the ciphertext
 * (GenerateDataKeyWithoutPlaintext). The tenant's app receives that ciphertext where a dedicated
 * tenant's app receives its key id, and opens it with Decrypt under its own context.
 *
 * Where the ciphertext is kept is the caller's (a Secret of the tenant's, a file in a spec): a
 * DataKeyStore. Reading it back is what makes ensuring a data key idempotent, since every
 * GenerateDataKey makes a new key.
 */
import { GenerateDataKeyWithoutPlaintextCommand } from '@aws-sdk/client-kms';
import { crashPoint } from '../../../runtime/crash-points.js';
import { KeyRequestRefused } from '../errors.js';
import type { KmsSession } from '../kms-session.js';
import { tenantEncryptionContext } from './names.js';

export const dataKeyCrashPoints = {
  afterGenerateDataKey: 'kms.after-generate-data-key',
} as const;

/** A wrapped data key: what it is wrapped under and with which context, and the ciphertext (base64). */
export interface WrappedDataKey {
  /** The ARN of the KMS key that wraps it: the pool key, or after promotion the tenant's own. */
  wrappingKeyArn: string;
  context: Record<string, string>;
  ciphertext: string;
}

/** Where a tenant's wrapped data key is kept. write replaces; delete of nothing is fine. */
export interface DataKeyStore {
  read(): Promise<WrappedDataKey | undefined>;
  write(key: WrappedDataKey): Promise<void>;
  delete(): Promise<void>;
}

/**
 * The tenant's wrapped data key, made under `keyArn` the first time. A crash between KMS's answer
 * and the store's write loses a ciphertext nothing was ever encrypted with; the next call makes
 * another.
 */
export async function ensureWrappedDataKey(
  session: KmsSession,
  request: { tenant: string; keyArn: string; store: DataKeyStore },
): Promise<{ key: WrappedDataKey; created: boolean }> {
  const existing = await request.store.read();
  if (existing !== undefined) return { key: existing, created: false };
  const context = tenantEncryptionContext(request.tenant);
  const response = await session.call(`wrapping a data key for tenant ${request.tenant}`, (kms, options) =>
    kms.send(
      new GenerateDataKeyWithoutPlaintextCommand({ KeyId: request.keyArn, KeySpec: 'AES_256', EncryptionContext: context }),
      options,
    ),
  );
  crashPoint(dataKeyCrashPoints.afterGenerateDataKey);
  if (response.CiphertextBlob === undefined)
    throw new KeyRequestRefused(`wrapping a data key for tenant ${request.tenant}: KMS returned no ciphertext`);
  const key = {
    wrappingKeyArn: response.KeyId ?? request.keyArn,
    context,
    ciphertext: Buffer.from(response.CiphertextBlob).toString('base64'),
  };
  await request.store.write(key);
  return { key, created: true };
}
