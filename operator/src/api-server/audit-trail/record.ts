/**
 * One audit-trail record and its place in the hash chain. A record's hash is SHA-256 over the
 * RFC 8785 (JCS) encoding of its fields together with the previous record's hash, so changing any
 * field of any record, or removing or reordering one, changes every hash after it. JCS rather than
 * JSON.stringify: key order and number formatting are fixed by the standard, so a verifier written
 * in another language computes the same bytes.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';

/** The previous hash of the first record: there is nothing before it. */
export const genesisHash = '0'.repeat(64);

/**
 * How a record is encoded for hashing. Format 1, the first, has no `changes`; format 2 adds
 * `format: 2` and `changes`. A record keeps the format it was written in (its `format` column), so
 * a chain that spans the upgrade still verifies; new records are always the current format.
 */
export type RecordFormat = 1 | 2;
export const currentFormat: RecordFormat = 2;

/**
 * A mutating call is recorded twice: an `attempt` before anything changes (fail closed: no record,
 * no change) and its `outcome` once the response is decided, linked by the request id.
 */
export type AuditPhase = 'attempt' | 'outcome';

export interface AuditOutcome {
  /** The HTTP status answered. */
  status: number;
  /** The problem type slug (`forbidden`, `validation-failed`, ...) when the call was refused or failed. */
  problemType: string | null;
}

/**
 * A field a call set on a Tenant and the value it set (`plan`: `enterprise`, `network.allowEgressCIDRs`:
 * [...]). Values are the Tenant's own fields, which hold no secrets by design (anyone who may read a
 * Tenant reads them); chart values, the one free-form map, are recorded by key only (changes.ts).
 */
export interface FieldChange {
  field: string;
  value: unknown;
}

/** What the API knows about a call; the store adds id, previous hash and hash. */
export interface AuditEntry {
  time: Date;
  phase: AuditPhase;
  /** `token:<name>` or `oidc:<subject>`: never the token itself. */
  actorId: string;
  actorRole: string;
  method: string;
  /** The template of the route that took the call (`/v1/tenants/{name}`), never the path as sent. */
  route: string;
  tenant: string | null;
  requestId: string;
  /** null on an attempt. */
  outcome: AuditOutcome | null;
  /**
   * On an outcome, what the call changed, in field order (empty when it changed nothing: refused,
   * failed, or an idempotent replay); null on an attempt, which is written before anything changes.
   */
  changes: FieldChange[] | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  format: RecordFormat;
  previousHash: string;
  hash: string;
}

/**
 * The exact bytes that are hashed. Time is an ISO-8601 string in UTC with milliseconds, which is
 * what a timestamptz column gives back for a JavaScript Date, so a record read back hashes the same.
 * `entry.format` picks the encoding (absent: the current one); format 1 leaves `changes` out, so a
 * record written before they existed hashes exactly as it did then.
 */
export function canonicalEncoding(id: number, previousHash: string, entry: AuditEntry & { format?: RecordFormat }): string {
  const fields = {
    id,
    previousHash,
    time: entry.time.toISOString(),
    phase: entry.phase,
    actor: { id: entry.actorId, role: entry.actorRole },
    method: entry.method,
    route: entry.route,
    tenant: entry.tenant,
    requestId: entry.requestId,
    outcome: entry.outcome === null ? null : { status: entry.outcome.status, problemType: entry.outcome.problemType },
  };
  const format = entry.format ?? currentFormat;
  const encoded = canonicalize(format === 1 ? fields : { ...fields, format, changes: entry.changes });
  if (encoded === undefined) throw new Error('an audit record must encode as JSON');
  return encoded;
}

export function recordHash(id: number, previousHash: string, entry: AuditEntry & { format?: RecordFormat }): string {
  return createHash('sha256')
    .update(canonicalEncoding(id, previousHash, entry), 'utf8')
    .digest('hex');
}

/** The record that follows `previous` (or starts the chain), with its hash. */
export function chainRecord(previous: { id: number; hash: string } | undefined, entry: AuditEntry): AuditRecord {
  const id = (previous?.id ?? 0) + 1;
  const previousHash = previous?.hash ?? genesisHash;
  const record = { ...entry, id, format: currentFormat, previousHash };
  return { ...record, hash: recordHash(id, previousHash, record) };
}
