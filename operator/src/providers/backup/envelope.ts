/**
 * Envelope encryption of an archive: AES-256-GCM under a data key KMS generated for this archive
 * alone, streamed from file to file so an archive of any size needs little memory. SHA-256 of the
 * plaintext and the ciphertext are taken on the way; the GCM tag authenticates the whole file, and
 * decryption writes to a file the caller removes unless `decryptFile` resolves (GCM can only say
 * "authentic" at the end of the stream).
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes, type Hash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';

const keyBytes = 32;
const ivBytes = 12;

export interface SealedArchive {
  iv: Buffer;
  authTag: Buffer;
  plaintext: { size: number; sha256: string };
  ciphertext: { size: number; sha256: string };
}

/** A pass-through stream that hashes and counts what flows through it. */
class Tally extends Transform {
  size = 0;
  private readonly hash: Hash = createHash('sha256');

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    this.hash.update(chunk);
    done(null, chunk);
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

function assertDataKey(dataKey: Buffer): void {
  if (dataKey.length !== keyBytes) throw new Error(`the data key must be ${keyBytes} bytes (AES-256), got ${dataKey.length}`);
}

/** Encrypts `plainFile` into `cipherFile` (created 0600) with a fresh IV. */
export async function encryptFile(plainFile: string, cipherFile: string, dataKey: Buffer): Promise<SealedArchive> {
  assertDataKey(dataKey);
  const iv = randomBytes(ivBytes);
  const cipher = createCipheriv('aes-256-gcm', dataKey, iv);
  const plain = new Tally();
  const sealed = new Tally();
  await pipeline(createReadStream(plainFile), plain, cipher, sealed, createWriteStream(cipherFile, { mode: 0o600, flags: 'wx' }));
  return {
    iv,
    authTag: cipher.getAuthTag(),
    plaintext: { size: plain.size, sha256: plain.digest() },
    ciphertext: { size: sealed.size, sha256: sealed.digest() },
  };
}

export interface OpenedArchive {
  ciphertext: { size: number; sha256: string };
  plaintext: { size: number; sha256: string };
}

/** Decrypts `cipherFile` into `plainFile` (created 0600); rejects when the tag does not authenticate it. */
export async function decryptFile(
  cipherFile: string,
  plainFile: string,
  dataKey: Buffer,
  seal: { iv: Buffer; authTag: Buffer },
): Promise<OpenedArchive> {
  assertDataKey(dataKey);
  const decipher = createDecipheriv('aes-256-gcm', dataKey, seal.iv);
  decipher.setAuthTag(seal.authTag);
  const sealed = new Tally();
  const plain = new Tally();
  await pipeline(createReadStream(cipherFile), sealed, decipher, plain, createWriteStream(plainFile, { mode: 0o600, flags: 'wx' }));
  return { ciphertext: { size: sealed.size, sha256: sealed.digest() }, plaintext: { size: plain.size, sha256: plain.digest() } };
}
