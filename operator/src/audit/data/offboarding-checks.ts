/**
 * Judging a deleted tenant's offboarding (deletionPolicy Export) from its record in the object
 * store: `database.offboarding-export`, the signed export manifest is where the record says, has
 * the digest recorded and verifies with the operator's signing key; `key.offboarding-shredded`,
 * the tenant's KMS key is pending deletion (or already deleted), so every backup becomes
 * unreadable. Pure: offboarding-audit.ts gathers the facts.
 */
import type { ExportManifest, OffboardingRecord } from '../../providers/backup/index.js';
import { errored, failed, passed, type AuditCheck } from '../model.js';

/**
 * The checks about tenants already deleted (and the part that makes them). They are in the report,
 * but no live Tenant's IsolationVerified rests on them: a store outage says nothing about a live
 * tenant's isolation, and a new tenant that reuses a deleted one's name is not the one judged.
 */
export const offboardingCheckIds: readonly string[] = ['database.offboarding-export', 'key.offboarding-shredded', 'key.offboarding-failed'];

export function aboutDeletedTenants(check: Pick<AuditCheck, 'id'>): boolean {
  return offboardingCheckIds.includes(check.id);
}

export interface OffboardingFacts {
  record: OffboardingRecord;
  recordKey: string;
  /** The signed manifest's bytes' SHA-256, when the object exists. */
  manifestSha256?: string;
  /** The verified manifest, or why it did not verify (or could not be checked). */
  verification?: { manifest: ExportManifest } | { problem: string; unchecked?: boolean };
  /** What KMS says of the key: its state and deletion date, `Deleted` when KMS no longer knows it, or why it could not be asked. */
  key?: { state: string; deletionDate?: string } | { problem: string };
}

type Verdict = { result: 'fail' | 'error'; reason: string; message: string };

const exportTitle = (tenant: string): string => `Deleted tenant ${tenant}'s final export has a signed manifest that verifies`;
const shredTitle = (tenant: string): string => `Deleted tenant ${tenant}'s KMS key is pending deletion or deleted`;

function exportFinding(facts: OffboardingFacts): Verdict | undefined {
  const recorded = facts.record.export;
  if (!recorded || facts.manifestSha256 === undefined) {
    const why = recorded ? `the manifest ${recorded.manifestKey} is missing` : 'the record names no completed export';
    return { result: 'fail', reason: 'ExportManifestMissing', message: `${why}: the tenant was deleted without a complete export` };
  }
  if (facts.manifestSha256 !== recorded.sha256) {
    const message = `the manifest's SHA-256 is ${facts.manifestSha256}, the record says ${recorded.sha256}: it was replaced`;
    return { result: 'fail', reason: 'ExportManifestChanged', message };
  }
  const verification = facts.verification ?? { problem: 'not checked', unchecked: true };
  if (!('problem' in verification)) return undefined;
  if (verification.unchecked) return { result: 'error', reason: 'SigningKeyUnavailable', message: verification.problem };
  return { result: 'fail', reason: 'ExportSignatureInvalid', message: verification.problem };
}

function verdictCheck(fields: Omit<AuditCheck, 'result' | 'reason' | 'message'>, verdict: Verdict): AuditCheck {
  const { result, reason, message } = verdict;
  return result === 'error' ? errored({ ...fields, reason, message }) : failed({ ...fields, reason, message });
}

export function judgeOffboardingExport(facts: OffboardingFacts): AuditCheck {
  const { record } = facts;
  const base = {
    id: 'database.offboarding-export',
    category: 'database' as const,
    tenant: record.tenant,
    title: exportTitle(record.tenant),
  };
  const evidence = { record: facts.recordKey, tenantUid: record.tenantUid, manifest: record.export?.manifestKey ?? null };
  const finding = exportFinding(facts);
  if (finding || !facts.verification || 'problem' in facts.verification) {
    return verdictCheck({ ...base, evidence }, finding ?? { result: 'error', reason: 'SigningKeyUnavailable', message: 'not checked' });
  }
  const { manifest } = facts.verification;
  return passed({
    ...base,
    message: `export ${manifest.exportId} (manifest sha256 ${facts.manifestSha256}) is signed by key ${manifest.signature.keyId}`,
    evidence: {
      ...evidence,
      sha256: facts.manifestSha256 ?? null,
      exportId: manifest.exportId,
      signerKeyId: manifest.signature.keyId,
      archive: manifest.archive.key,
      tables: manifest.tables.length,
    },
  });
}

function keyFinding(facts: OffboardingFacts): Verdict | undefined {
  const { record, key } = facts;
  if (!record.keyDeletion) {
    return {
      result: 'fail',
      reason: 'KeyNotScheduledForDeletion',
      message: 'the record names no scheduled key deletion: the backups stay readable',
    };
  }
  if (key === undefined || 'problem' in key)
    return { result: 'error', reason: 'KeyUnreadable', message: key?.problem ?? 'KMS was not asked' };
  if (key.state === 'PendingDeletion' || key.state === 'Deleted') return undefined;
  const message = `key ${record.keyDeletion.keyId} is ${key.state}, not pending deletion: the deletion was cancelled, so the backups stay readable`;
  return { result: 'fail', reason: 'KeyNotPendingDeletion', message };
}

function recordedDeletion(record: OffboardingRecord): { keyId: string | null; recordedDeletionDate: string | null } {
  return { keyId: record.keyDeletion?.keyId ?? null, recordedDeletionDate: record.keyDeletion?.deletionDate ?? null };
}

export function judgeKeyShredded(facts: OffboardingFacts): AuditCheck {
  const { record, key } = facts;
  const base = { id: 'key.offboarding-shredded', category: 'key' as const, tenant: record.tenant, title: shredTitle(record.tenant) };
  const recorded = recordedDeletion(record);
  const state =
    key && !('problem' in key) ? { state: key.state, deletionDate: key.deletionDate ?? null } : { state: null, deletionDate: null };
  const evidence = { record: facts.recordKey, tenantUid: record.tenantUid, ...recorded, ...state };
  const finding = keyFinding(facts);
  if (finding) return verdictCheck({ ...base, evidence }, finding);
  const when = state.state === 'Deleted' ? 'has been deleted' : `is pending deletion until ${state.deletionDate ?? '(no date given)'}`;
  return passed({ ...base, message: `key ${recorded.keyId} ${when}`, evidence });
}
