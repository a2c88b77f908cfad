/**
 * A signing-key rotation, recorded in the chain: a statement signed by the retiring key naming the
 * key that takes over and when. It travels inside the first report the new key signs (`rotation`),
 * so it is kept, published and downloaded with the reports, and a verifier that trusts the old key
 * can come to trust the new one without being handed it (docs/decisions/0034).
 *
 * The statement is signed over the canonical (RFC 8785) bytes of the record without its
 * `signature`, like a report; the report around it is signed by the new key, so both keys vouch
 * for the hand-over.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { canonicalBytes, keyIdOf, publicKeyFromDer, strictBase64url } from './signing.js';

export const rotationFormat = 'bulkhead.dev/key-rotation/v1';

const keyIdSchema = z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits');
const namedKey = z.strictObject({
  keyId: keyIdSchema,
  /** SPKI DER, base64url; trusted only when it hashes to keyId. */
  publicKey: z.string().regex(/^[A-Za-z0-9_-]+$/, 'expected base64url'),
});

export const keyRotationSchema = z.strictObject({
  format: z.literal(rotationFormat),
  /** When the new key took over; reports the old key signs after it are refused. */
  at: z.iso.datetime({ offset: false, precision: 3 }),
  from: namedKey,
  to: namedKey,
  /** Ed25519 by `from` over the canonical record without this field, base64url. */
  signature: z.string().regex(/^[A-Za-z0-9_-]{86}$/, 'expected 64 bytes in base64url'),
});

export type KeyRotation = z.infer<typeof keyRotationSchema>;

function named(publicKey: KeyObject): { keyId: string; publicKey: string } {
  return { keyId: keyIdOf(publicKey), publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url') };
}

/** The hand-over from `oldKey` (a private key) to `newKey` (its public half is enough), at `at`. */
export function signRotation(oldKey: KeyObject, newKey: KeyObject, at: Date): KeyRotation {
  const statement = {
    format: rotationFormat,
    at: at.toISOString(),
    from: named(createPublicKey(oldKey)),
    to: named(newKey.type === 'private' ? createPublicKey(newKey) : newKey),
  } as const;
  return { ...statement, signature: sign(null, canonicalBytes(statement), oldKey).toString('base64url') };
}

/**
 * Whether the record is a valid statement by the key it names as `from`; the reason when not. Which
 * keys to trust is the caller's (trust.ts): this only checks that the record is what it claims.
 */
export function rotationProblem(rotation: KeyRotation): string | undefined {
  try {
    const from = publicKeyFromDer(rotation.from.publicKey);
    const to = publicKeyFromDer(rotation.to.publicKey);
    if (keyIdOf(from) !== rotation.from.keyId) return `the rotation's retiring key does not hash to its keyId ${rotation.from.keyId}`;
    if (keyIdOf(to) !== rotation.to.keyId) return `the rotation's new key does not hash to its keyId ${rotation.to.keyId}`;
    const { signature, ...statement } = rotation;
    const value = strictBase64url(signature, "the rotation's signature");
    if (!verify(null, canonicalBytes(statement), from, value))
      return `the rotation is not signed by the retiring key ${rotation.from.keyId}`;
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}
