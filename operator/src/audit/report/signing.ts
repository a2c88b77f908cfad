/**
 * Ed25519 signing of a report, with node:crypto. The signature covers the canonical (RFC 8785)
 * bytes of the whole document except its `signature` field, and the file written is the canonical
 * form of the signed document, so a file's bytes are exactly one possible text and any change to
 * them is detectable (see verify.ts).
 *
 * A key is named by its keyId: the SHA-256 of its SPKI DER public key, in hex. That is what an
 * auditor pins; the public key embedded in a report is only a convenience for a pinned keyId.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import canonicalize from 'canonicalize';
import { canonicalBytesYielding, canonicalDocumentYielding, type CanonicalDocument } from './canonical-yielding.js';
import type { ReportSignature, SignedReport, UnsignedReport } from './schema.js';
import { errorMessage } from '../../runtime/errors.js';

/** The canonical JSON bytes of any JSON value. */
export function canonicalBytes(value: unknown): Buffer {
  const text = canonicalize(value);
  if (text === undefined) throw new Error('the value has no JSON form');
  return Buffer.from(text, 'utf8');
}

/** `sha256:<hex>` of bytes; a report's digest is that of its file, its canonical signed form. */
export function digestOf(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The bytes the signature covers: the canonical document without its signature. */
export function signedBytes(report: UnsignedReport | SignedReport): Buffer {
  const { signature: _signature, ...unsigned } = report as SignedReport;
  return canonicalBytes(unsigned);
}

export function keyIdOf(publicKey: KeyObject): string {
  return createHash('sha256')
    .update(publicKey.export({ type: 'spki', format: 'der' }))
    .digest('hex');
}

/** An SPKI DER public key from its base64url form; refuses any spelling but the canonical one. */
export function publicKeyFromDer(base64url: string): KeyObject {
  const der = strictBase64url(base64url, 'the embedded public key');
  try {
    return createPublicKey({ key: der, format: 'der', type: 'spki' });
  } catch {
    throw new Error('the embedded public key is not an SPKI public key');
  }
}

/**
 * Node's decoder ignores stray characters and the unused low bits of the last character, so one
 * value has several spellings; a signed file must have exactly one, or bytes could change unseen.
 */
export function strictBase64url(value: string, what: string): Buffer {
  const decoded = Buffer.from(value, 'base64url');
  if (decoded.toString('base64url') !== value) throw new Error(`${what} is not canonical base64url`);
  return decoded;
}

/** A PEM private key; refused unless it is Ed25519. `source` names it in errors (e.g. the path). */
export function loadPrivateKey(pem: string | Buffer, source: string): KeyObject {
  return requireEd25519(
    attempt(() => createPrivateKey(pem), source),
    source,
  );
}

/** A PEM public key (SPKI); refused unless it is Ed25519. */
export function loadPublicKey(pem: string | Buffer, source: string): KeyObject {
  return requireEd25519(
    attempt(() => createPublicKey(pem), source),
    source,
  );
}

export function signReport(report: UnsignedReport, privateKey: KeyObject): SignedReport {
  return signDocument(report, privateKey);
}

/** Any document signed as a report is (the period report is one): Ed25519 over its canonical bytes without `signature`. */
export function signDocument<T extends object>(document: T, privateKey: KeyObject): T & { signature: ReportSignature } {
  requireEd25519(privateKey, 'the signing key');
  const { signature: _signature, ...unsigned } = document as T & { signature?: unknown };
  return { ...document, signature: signatureOf(privateKey, sign(null, canonicalBytes(unsigned), privateKey)) };
}

/**
 * signReport without holding the event loop: the canonical bytes a piece at a time, the signature
 * on libuv's thread pool. The operator signs this way, since its event loop also renews its Lease
 * (docs/decisions/0031); the result is the same, Ed25519 being deterministic.
 */
export async function signReportYielding(report: UnsignedReport, privateKey: KeyObject): Promise<SignedReport> {
  requireEd25519(privateKey, 'the signing key');
  const { signature: _signature, ...unsigned } = report as SignedReport;
  const value = await promisify(sign)(null, await canonicalBytesYielding(unsigned), privateKey);
  return { ...report, signature: signatureOf(privateKey, value) };
}

/** A signed report with its file's bytes (those of serializeReport) and their digest. */
export interface SignedReportFile {
  report: SignedReport;
  bytes: Buffer;
  digest: string;
}

/**
 * Signs the report and lays out its file in the buffer of the one canonical text the signature
 * covers: the text is written a piece at a time into a buffer with room for the signature member,
 * signed, then the members after the signature's sorted place are moved up and the member written
 * in. The report is written once, and held once as bytes (docs/decisions/0039), where
 * signReport and serializeReport wrote it twice, each time as a whole string and its bytes.
 */
export async function signReportFile(report: UnsignedReport, privateKey: KeyObject): Promise<SignedReportFile> {
  requireEd25519(privateKey, 'the signing key');
  const { signature: _signature, ...unsigned } = report as SignedReport;
  // An Ed25519 signature member has one length for a key, whatever the value: measure it on zeros.
  const room = Buffer.byteLength(memberText(signatureOf(privateKey, Buffer.alloc(64)))) + 1;
  const document = await canonicalDocumentYielding(unsigned, room);
  const value = await promisify(sign)(null, document.buffer.subarray(0, document.length), privateKey);
  const signature = signatureOf(privateKey, value);
  const bytes = insertMember(document, memberText(signature));
  return { report: { ...report, signature }, bytes, digest: digestOf(bytes) };
}

const memberText = (signature: ReportSignature): string => `"signature":${canonicalize(signature) ?? ''}`;

/** Puts `member` into the canonical object in `document` at the sorted place of the signature, within the buffer's room. */
function insertMember(document: CanonicalDocument, member: string): Buffer {
  const { buffer, length, memberOffsets } = document;
  const next = [...memberOffsets.keys()].find((existing) => existing > 'signature');
  const at = next === undefined ? length - 1 : (memberOffsets.get(next) ?? 0);
  const text = next !== undefined ? `${member},` : memberOffsets.size > 0 ? `,${member}` : member;
  const size = Buffer.byteLength(text);
  if (length + size > buffer.length) throw new Error('the signature does not fit the room kept for it');
  buffer.copyWithin(at + size, at, length);
  buffer.write(text, at, 'utf8');
  return buffer.subarray(0, length + size);
}

function signatureOf(privateKey: KeyObject, value: Buffer): ReportSignature {
  const publicKey = createPublicKey(privateKey);
  return {
    algorithm: 'Ed25519',
    keyId: keyIdOf(publicKey),
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64url'),
    value: value.toString('base64url'),
  };
}

/** The file form of a signed report: its canonical bytes, no trailing newline. */
export function serializeReport(report: SignedReport): Buffer {
  return canonicalBytes(report);
}

/** serializeReport a piece at a time (the operator's, as signReportYielding). */
export function serializeReportYielding(report: SignedReport): Promise<Buffer> {
  return canonicalBytesYielding(report);
}

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
  keyId: string;
}

export function generateSigningKey(): KeyPairPem {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}

function attempt(load: () => KeyObject, source: string): KeyObject {
  try {
    return load();
  } catch (error) {
    throw new Error(`${source}: not a PEM key (${errorMessage(error)})`, { cause: error });
  }
}

function requireEd25519(key: KeyObject, source: string): KeyObject {
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${source}: expected an Ed25519 key, got ${key.asymmetricKeyType ?? key.type}`);
  return key;
}
