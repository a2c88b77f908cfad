/**
 * The customer's public key a deleted tenant's final export is sealed to (spec.database.export):
 * RSA of at least 3072 bits, so the data key is sealed with RSA-OAEP and SHA-256, which a customer
 * opens with `bulkhead export open` or `openssl pkeyutl` (docs/decisions/0040).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';

export const minimumRecipientKeyBits = 3072;

const spkiPemPattern = /^\s*-----BEGIN PUBLIC KEY-----\s+[A-Za-z0-9+/=\s]+-----END PUBLIC KEY-----\s*$/;

/** The key, or a sentence saying why it is not one Bulkhead seals to. */
export function parseExportRecipientKey(pem: string): KeyObject | string {
  // createPublicKey would also derive a public key from a private one: only an SPKI block is taken.
  if (!spkiPemPattern.test(pem)) return 'it is not one PEM block of type PUBLIC KEY';
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    return 'it is not a PEM public key';
  }
  if (key.asymmetricKeyType !== 'rsa') return `it is an ${key.asymmetricKeyType ?? 'unknown'} key, not RSA`;
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < minimumRecipientKeyBits) return `it has ${bits} bits, fewer than ${minimumRecipientKeyBits}`;
  return key;
}

/** Why `pem` is not an acceptable recipient key, or undefined when it is. */
export function exportRecipientKeyProblem(pem: string): string | undefined {
  const parsed = parseExportRecipientKey(pem);
  return typeof parsed === 'string' ? parsed : undefined;
}
