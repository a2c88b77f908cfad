/**
 * Idempotent creation (IETF draft "The Idempotency-Key HTTP Header Field"). The durable record is
 * the created Tenant itself: a label with the hash of (caller, key), so a retry finds it with a
 * label selector even after an API restart or on another replica, and annotations with the hash of
 * the request body and the caller. Only "is the first request still running" lives in memory: that
 * state is meaningless after a restart, and Kubernetes' create-by-name is atomic, so two replicas
 * racing on one key still create one Tenant (the loser finds the winner's record and replays it).
 */
import { createHash } from 'node:crypto';
import { group } from '../api/index.js';
import { ApiProblem } from './problems.js';

export const idempotencyKeyLabel = `${group}/idempotency-key`;
export const requestHashAnnotation = `${group}/idempotency-request-hash`;
export const createdByAnnotation = `${group}/created-by`;

const maximumKeyLength = 255;

function problem(init: { status: number; type: string; title: string; detail: string }, rule: string): ApiProblem {
  return new ApiProblem({ ...init, errors: [{ field: 'Idempotency-Key', rule }] });
}

/**
 * The key from the header. The draft defines it as a Structured Field string (`"abc"`); a bare
 * token is accepted too, since many clients send one. Printable ASCII only.
 */
export function parseIdempotencyKey(header: string | undefined): string {
  if (header === undefined || header.trim() === '') {
    throw problem(
      {
        status: 400,
        type: 'idempotency-key-missing',
        title: 'Idempotency-Key required',
        detail:
          'This POST requires an Idempotency-Key header so that a retry cannot act twice (create a second tenant, start a second restore).',
      },
      'required',
    );
  }
  const trimmed = header.trim();
  const key = /^".*"$/.test(trimmed) ? trimmed.slice(1, -1) : trimmed;
  if (key.length === 0 || key.length > maximumKeyLength || !/^[\x21-\x7e]+$/.test(key)) {
    throw problem(
      {
        status: 400,
        type: 'idempotency-key-invalid',
        title: 'Invalid Idempotency-Key',
        detail: `The Idempotency-Key must be 1 to ${maximumKeyLength} printable ASCII characters without spaces.`,
      },
      'format',
    );
  }
  return key;
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The label value identifying (caller, key): 60 hex digits, within a label value's 63. */
export function idempotencyRecordId(callerId: string, key: string): string {
  return sha256Hex(`${callerId}\u0000${key}`).slice(0, 60);
}

/** JSON with object keys sorted, so the same body in another key order hashes the same. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: unknown): string {
  return sha256Hex(canonicalJson(body));
}

export function keyReusedProblem(): ApiProblem {
  return problem(
    {
      status: 422,
      type: 'idempotency-key-reused',
      title: 'Idempotency-Key reused with another request',
      detail: 'This Idempotency-Key was already used with a different request body; use a new key for a new request.',
    },
    'mustMatchFirstRequest',
  );
}

/** Requests whose first attempt has not answered yet, per process (the draft's 409 case). */
export class InFlightRequests {
  private readonly running = new Set<string>();

  /** Marks the record as running; throws the 409 problem when it already is. */
  begin(recordId: string): void {
    if (this.running.has(recordId)) {
      throw problem(
        {
          status: 409,
          type: 'idempotency-request-in-flight',
          title: 'Request in progress',
          detail: 'A request with this Idempotency-Key is still being processed; retry after it answers.',
        },
        'inFlight',
      );
    }
    this.running.add(recordId);
  }

  end(recordId: string): void {
    this.running.delete(recordId);
  }
}
