/**
 * The period report is signed and verified exactly as a report is (report/signing.ts and
 * report/verify.ts): Ed25519 over its canonical bytes, the file its canonical signed form, the key
 * the caller's. Beyond the signature, its summary must agree with its lists.
 */
import type { KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import {
  parseSignedDocument,
  canonicalBytes,
  signDocument,
  trustedKeyFor,
  verifySignedDocument,
  type DocumentVerification,
  type SignedKind,
  type TrustedKey,
} from '../report/index.js';
import { signedPeriodReportSchema, type PeriodSummary, type SignedPeriodReport, type UnsignedPeriodReport } from './schema.js';
import { errorMessage } from '../../runtime/errors.js';

export function periodSummary(report: Omit<UnsignedPeriodReport, 'summary'>): PeriodSummary {
  const { chainFindings, findings, reports, tenants } = report;
  return {
    result: chainFindings.length + findings.length === 0 ? 'pass' : 'fail',
    reports: reports.length,
    chainFindings: chainFindings.length,
    findings: findings.length,
    open: findings.filter((finding) => finding.fixedAt === null).length,
    tenants: tenants.length,
  };
}

const periodKind: SignedKind<SignedPeriodReport> = {
  name: 'a Bulkhead period report',
  schema: signedPeriodReportSchema,
  consistent: (report) => {
    if (canonicalize(periodSummary(report)) !== canonicalize(report.summary))
      throw new Error('the summary does not match the lists (the signer produced an inconsistent period report)');
  },
};

export function signPeriodReport(report: UnsignedPeriodReport, privateKey: KeyObject): SignedPeriodReport {
  return signDocument(report, privateKey);
}

/** The file form: canonical bytes, as a report's. */
export function serializePeriodReport(report: SignedPeriodReport): Buffer {
  return canonicalBytes(report);
}

export function verifyPeriodReport(bytes: Uint8Array, trusted: readonly TrustedKey[]): DocumentVerification<SignedPeriodReport> {
  let keyId: string;
  try {
    keyId = parseSignedDocument(bytes, periodKind).signature.keyId;
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
  const key = trustedKeyFor(keyId, trusted);
  if (key === undefined) return { ok: false, reason: `signed by an untrusted key: keyId ${keyId}` };
  return verifySignedDocument(bytes, periodKind, key);
}
