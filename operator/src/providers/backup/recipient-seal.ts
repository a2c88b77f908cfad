/**
 * The export's data key sealed a second time, to the customer's RSA public key
 * (spec.database.export.recipientPublicKey): RSA-OAEP with SHA-256 (and MGF1-SHA-256), so the
 * customer opens it with the private half alone — `bulkhead export open`, or
 * `openssl pkeyutl -decrypt -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256
 * -pkeyopt rsa_mgf1_md:sha256` — after the tenant's KMS key is gone (docs/decisions/0040).
 */
import { constants, privateDecrypt, publicEncrypt, type KeyObject } from 'node:crypto';
import { publicKeyId } from './export-manifest.js';

export const recipientSealAlgorithm = 'RSA-OAEP-SHA256';

/** The recipient's fingerprint as the manifest names it: SHA-256 (hex) of its SPKI DER. */
export function recipientKeyId(publicKey: KeyObject): string {
  return publicKeyId(publicKey);
}

export function sealToRecipient(dataKey: Buffer, publicKey: KeyObject): Buffer {
  return publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, dataKey);
}

/** The data key; throws when the private key is not the one it was sealed to. */
export function openAsRecipient(sealed: Buffer, privateKey: KeyObject): Buffer {
  try {
    return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, sealed);
  } catch (error) {
    throw new Error('the data key does not open with this private key: it was sealed to another recipient key', { cause: error });
  }
}
