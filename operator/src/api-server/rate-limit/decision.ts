/**
 * The onboarding API's rate limit per caller: a token bucket of `capacity` requests refilled at
 * `refillPerSecond`, kept in PostgreSQL so that every replica draws on the same bucket
 * (postgres.ts), or per replica when there is no shared store or it is down (local.ts,
 * fail-open.ts). Every answer carries the limit as the RateLimit-Limit, RateLimit-Remaining and
 * RateLimit-Reset fields of draft-ietf-httpapi-ratelimit-headers-06, and a 429 carries Retry-After.
 */
export interface RateLimitPolicy {
  /** Requests a caller may send at once; RateLimit-Limit. */
  capacity: number;
  /** Requests per second a caller earns back. */
  refillPerSecond: number;
}

export interface RateDecision {
  allowed: boolean;
  limit: number;
  /** Requests the caller may still send at once. */
  remaining: number;
  /** Whole seconds until the caller's bucket is full again. */
  resetSeconds: number;
  /** Whole seconds until one request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
}

/** Where callers' buckets are kept. */
export interface RateLimitStore {
  take(caller: string): Promise<RateDecision>;
}

/** What a shared store answers to a reservation of several tokens at once, taken all or none. */
export interface Reservation {
  allowed: boolean;
  /** Seconds until the caller's bucket is full again, after this reservation when allowed. */
  fullInSeconds: number;
}

/** A shared store that can hand out several of a caller's tokens in one round trip (batched.ts). */
export interface ReservingStore {
  readonly policy: RateLimitPolicy;
  reserve(caller: string, count: number): Promise<Reservation>;
}

/** Rounding slack for buckets kept in floating point and in microseconds. */
const epsilon = 1e-6;

/**
 * The decision, from how far in the future the caller's bucket is full again after this request
 * (`fullInSeconds`; what both stores can tell). With T = 1/refillPerSecond, the bucket holds
 * (capacity·T − fullIn)/T whole tokens, and a refused caller may go again once fullIn + T ≤ capacity·T.
 */
export function decisionOf(policy: RateLimitPolicy, allowed: boolean, fullInSeconds: number): RateDecision {
  const interval = 1 / policy.refillPerSecond;
  const span = policy.capacity * interval;
  return {
    allowed,
    limit: policy.capacity,
    remaining: Math.max(0, Math.floor((span - fullInSeconds) / interval + epsilon)),
    resetSeconds: Math.max(0, Math.ceil(fullInSeconds - epsilon)),
    retryAfterSeconds: allowed ? 0 : Math.max(1, Math.ceil(fullInSeconds + interval - span - epsilon)),
  };
}

/** The draft-06 fields, on every answer to an authenticated caller; Retry-After on a refusal only. */
export function rateLimitHeaders(decision: RateDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
    ...(decision.allowed ? {} : { 'Retry-After': String(decision.retryAfterSeconds) }),
  };
}
