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

/** What the API knows about a call; the store adds id, previous hash and hash. */
export interface AuditEntry {
  time: Date;
  phase: AuditPhase;
  /** `token:<name>` or `oidc:<subject>`: never the token itself. */
  actorId: string;
  actorRole: string;
  method: string;
  /** The route template (`/v1/tenants/{name}`), or the path when no route matched. */
  route: string;
  tenant: string | null;
  requestId: string;
  /** null on an attempt. */
  outcome: AuditOutcome | null;
}

export interface AuditRecord extends AuditEntry {
  id: number;
  previousHash: string;
  hash: string;
}

/**
 * The exact bytes that are hashed. Time is an ISO-8601 string in UTC with milliseconds, which is
 * what a timestamptz column gives back for a JavaScript Date, so a record read back hashes the same.
 */
export function canonicalEncoding(id: number, previousHash: string, entry: AuditEntry): string {
  const encoded = canonicalize({
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
  });
  if (encoded === undefined) throw new Error('an audit record must encode as JSON');
  return encoded;
}

export function recordHash(id: number, previousHash: string, entry: AuditEntry): string {
  return createHash('sha256').update(canonicalEncoding(id, previousHash, entry), 'utf8').digest('hex');
}

/** The record that follows `previous` (or starts the chain), with its hash. */
export function chainRecord(previous: { id: number; hash: string } | undefined, entry: AuditEntry): AuditRecord {
  const id = (previous?.id ?? 0) + 1;
  const previousHash = previous?.hash ?? genesisHash;
  return { ...entry, id, previousHash, hash: recordHash(id, previousHash, entry) };
}
