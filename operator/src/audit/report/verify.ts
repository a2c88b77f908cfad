/**
 * verifyReport: is this file a report, unchanged since a trusted key signed it?
 *
 * The file's bytes are checked as written: they must be valid UTF-8, valid JSON, of the report
 * schema, and exactly the canonical (RFC 8785) form of what they parse to; only then is the
 * Ed25519 signature checked over the canonical bytes of the document without `signature`. Because
 * the canonical form of a value is unique, a change to any byte either changes the parsed document
 * (and the signature no longer matches) or leaves it the same (and the bytes are no longer
 * canonical): one byte changed anywhere fails, whitespace included.
 *
 * The key is never taken from the file on its own word: the caller trusts a public key, or a keyId
 * (the SHA-256 of a public key) obtained another way, and the embedded key is used only when it
 * hashes to that keyId.
 */
import { verify as verifySignature, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { z } from 'zod';
import { signedReportSchema, type ReportSignature, type SignedReport } from './schema.js';
import { canonicalBytes, digestOf, keyIdOf, publicKeyFromDer, strictBase64url } from './signing.js';
import { recountControls } from './controls-covered.js';
import { sparseMatrixProblems } from './matrix-cells.js';
import { summarize, summaryTenants } from './summary.js';
import { errorMessage } from '../../runtime/errors.js';

/** A public key the verifier trusts, or the keyId of one (then the report's embedded key is used). */
export type TrustedKey = KeyObject | { keyId: string };

export type Verification = { ok: true; report: SignedReport; keyId: string; digest: string } | { ok: false; reason: string };

/** A document signed as a report is: what it is called in refusals, its schema, and any check beyond the signature. */
export interface SignedKind<T extends { signature: ReportSignature }> {
  name: string;
  schema: z.ZodType<T>;
  consistent?: (document: T) => void;
}

export type DocumentVerification<T> = { ok: true; document: T; keyId: string; digest: string } | { ok: false; reason: string };

const reportKind: SignedKind<SignedReport> = {
  name: 'a Bulkhead audit report',
  schema: signedReportSchema,
  consistent: (report) => {
    requireConsistentSummary(report);
    requireConsistentControls(report);
    requireConsistentMatrix(report);
  },
};

export function verifyReport(bytes: Uint8Array, trusted: TrustedKey): Verification {
  const verification = verifySignedDocument(bytes, reportKind, trusted);
  if (!verification.ok) return verification;
  const { document: report, keyId, digest } = verification;
  return { ok: true, report, keyId, digest };
}

/** The same checks as verifyReport, in the same order, for any signed kind (the period report). */
export function verifySignedDocument<T extends { signature: ReportSignature }>(
  bytes: Uint8Array,
  kind: SignedKind<T>,
  trusted: TrustedKey,
): DocumentVerification<T> {
  try {
    const { typed, document } = parseDocument(bytes, kind);
    const key = verifyingKey(typed.signature, trusted);
    const signature = strictBase64url(typed.signature.value, 'the signature value');
    // Over what the file says, not over the schema's reading of it.
    const { signature: _signature, ...unsigned } = document as { signature?: unknown };
    if (!verifySignature(null, canonicalBytes(unsigned), key, signature)) {
      return { ok: false, reason: 'the signature does not match the content: the report was changed after it was signed' };
    }
    kind.consistent?.(typed);
    return { ok: true, document: typed, keyId: typed.signature.keyId, digest: digestOf(bytes) };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

/** UTF-8, JSON, report schema, canonical form: in that order, each refusal saying which. */
export function parseReport(bytes: Uint8Array): SignedReport {
  return parseDocument(bytes, reportKind).typed;
}

/** parseReport for any signed kind. */
export function parseSignedDocument<T extends { signature: ReportSignature }>(bytes: Uint8Array, kind: SignedKind<T>): T {
  return parseDocument(bytes, kind).typed;
}

function parseDocument<T extends { signature: ReportSignature }>(bytes: Uint8Array, kind: SignedKind<T>): { typed: T; document: unknown } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new Error('not UTF-8 text');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`malformed JSON: ${errorMessage(error)}`, { cause: error });
  }
  const result = kind.schema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(`not ${kind.name}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'schema mismatch'}`);
  }
  const canonical = canonicalize(parsed) ?? '';
  if (canonical !== text) throw new Error(`not in canonical form (RFC 8785): ${firstDeparture(canonical, text)}`);
  return { typed: result.data, document: parsed };
}

function verifyingKey({ keyId, publicKey }: ReportSignature, trusted: TrustedKey): KeyObject {
  const embedded = publicKeyFromDer(publicKey);
  if (keyIdOf(embedded) !== keyId) throw new Error(`the embedded public key does not hash to the signature's keyId ${keyId}`);
  const trustedKeyId = 'keyId' in trusted ? trusted.keyId.toLowerCase() : keyIdOf(trusted);
  if (keyId !== trustedKeyId) throw new Error(`signed by an untrusted key: keyId ${keyId}, trusted keyId ${trustedKeyId}`);
  return 'keyId' in trusted ? embedded : trusted;
}

function requireConsistentSummary(report: SignedReport): void {
  const expected = summarize(report.checks, summaryTenants(report.summary));
  if (canonicalize(expected) !== canonicalize(report.summary)) {
    throw new Error('the summary does not match the checks (the signer produced an inconsistent report)');
  }
}

/** The controls section recounted from the checks, with the pairings the section itself states. */
function requireConsistentControls(report: SignedReport): void {
  if (report.controls === undefined) return;
  if (canonicalize(recountControls(report.controls, report.checks)) !== canonicalize(report.controls)) {
    throw new Error('the controls covered do not match the checks (the signer produced an inconsistent report)');
  }
}

/** A sparse matrix lists only non-empty cells, each pair once, and counts the rest exactly (docs/decisions/0056). */
function requireConsistentMatrix(report: SignedReport): void {
  const problems = report.matrix ? sparseMatrixProblems(report.matrix) : [];
  if (problems.length > 0)
    throw new Error(`the matrix does not add up (the signer produced an inconsistent report): ${problems.join('; ')}`);
}

/** Where a file departs from its canonical form, for a refusal an auditor can act on. */
function firstDeparture(canonical: string, actual: string): string {
  let index = 0;
  while (index < canonical.length && canonical[index] === actual[index]) index += 1;
  return `the file differs from it at character ${index} (a report must be kept exactly as written, never reformatted)`;
}
