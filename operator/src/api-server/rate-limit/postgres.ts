/**
 * Callers' buckets in PostgreSQL, shared by every replica: one atomic upsert per request, the
 * Generic Cell Rate Algorithm (a token bucket kept as one timestamp, as redis-cell does). With
 * T = 1/refillPerSecond and span = capacity·T, a request is allowed when
 * max(full_at, now) + T − now ≤ span, and then moves full_at to max(full_at, now) + T. A refused
 * request spends nothing, so a caller that keeps knocking is not held back longer for it. The
 * database's clock decides, so replicas' clocks need not agree. Rows whose bucket has been full
 * for a minute are deleted now and then (at most once a minute per replica).
 *
 * `reserve(caller, count)` takes `count` tokens as one, all or none: GCRA with a cost of count·T,
 * the same statement. batched.ts uses it to serve a busy caller from a few tokens held in memory
 * instead of one round trip per request (decision 0064).
 */
import pg from 'pg';
import {
  decisionOf,
  type RateDecision,
  type RateLimitPolicy,
  type RateLimitStore,
  type Reservation,
  type ReservingStore,
} from './decision.js';
import { ensureRateLimitTable, table } from './table.js';

/**
 * Every column is computed from the old row (PostgreSQL evaluates every SET against it). `now` never
 * goes back for a row: two requests racing on one caller take the row lock in either order, and
 * the one that started first must not count from an earlier instant than the one already applied.
 */
const now = 'GREATEST(bucket.updated_at, statement_timestamp())';
const next = `GREATEST(bucket.full_at, ${now}) + make_interval(secs => $2)`;
const fits = `${next} <= ${now} + make_interval(secs => $3)`;
const takeStatement = `INSERT INTO ${table} AS bucket (caller, full_at, updated_at, allowed)
  VALUES ($1, statement_timestamp() + make_interval(secs => $2), statement_timestamp(), true)
  ON CONFLICT (caller) DO UPDATE SET
    allowed = ${fits},
    full_at = CASE WHEN ${fits} THEN ${next} ELSE bucket.full_at END,
    updated_at = ${now}
  RETURNING allowed, EXTRACT(EPOCH FROM full_at - updated_at)::float8 AS full_in`;
const cleanupStatement = `DELETE FROM ${table} WHERE full_at < statement_timestamp() - interval '1 minute'`;

export interface PgRateLimitOptions extends RateLimitPolicy {
  /** postgres://user:password@host:port/database. Never logged. */
  url: string;
  /** Bounds what one request can lose to a slow or unreachable database; default 1000 ms. */
  timeoutMs?: number;
  cleanupEveryMs?: number;
  allowExitOnIdle?: boolean;
  now?: () => number;
}

export class PgRateLimit implements RateLimitStore, ReservingStore {
  private readonly pool: pg.Pool;
  readonly policy: RateLimitPolicy;
  private readonly now: () => number;
  private nextCleanupMs = 0;

  constructor(
    private readonly options: PgRateLimitOptions,
    onIdleError: (error: Error) => void = () => undefined,
  ) {
    const timeout = options.timeoutMs ?? 1_000;
    this.policy = { capacity: options.capacity, refillPerSecond: options.refillPerSecond };
    this.now = options.now ?? Date.now;
    this.pool = new pg.Pool({
      connectionString: options.url,
      connectionTimeoutMillis: timeout,
      // statement_timeout ends the query on a server that answers slowly; query_timeout gives up on one that does not answer.
      statement_timeout: timeout,
      query_timeout: timeout,
      max: 4,
      application_name: 'bulkhead-api-rate-limit',
      allowExitOnIdle: options.allowExitOnIdle ?? false,
    });
    // An idle client's error (the server restarted) is emitted on the pool; unheard, it would crash the process.
    this.pool.on('error', onIdleError);
  }

  ensureTable(): Promise<'created' | 'exists'> {
    return ensureRateLimitTable(this.pool);
  }

  async take(caller: string): Promise<RateDecision> {
    const reservation = await this.reserve(caller, 1);
    return decisionOf(this.policy, reservation.allowed, reservation.fullInSeconds);
  }

  /** Takes `count` tokens (1 to the capacity: a new caller's row is written without the check) or none. */
  async reserve(caller: string, count: number): Promise<Reservation> {
    if (!Number.isInteger(count) || count < 1 || count > this.policy.capacity) {
      throw new RangeError(`a reservation takes 1 to ${this.policy.capacity} tokens, not ${count}`);
    }
    const interval = 1 / this.policy.refillPerSecond;
    const result = await this.pool.query<{ allowed: boolean; full_in: number }>(takeStatement, [
      caller,
      count * interval,
      this.policy.capacity * interval,
    ]);
    const row = result.rows[0];
    if (!row) throw new Error('the rate limit upsert returned no row');
    this.cleanUpNowAndThen();
    return { allowed: row.allowed, fullInSeconds: row.full_in };
  }

  /** Deletes expired rows; returns how many. */
  async deleteExpired(): Promise<number> {
    return (await this.pool.query(cleanupStatement)).rowCount ?? 0;
  }

  close(): Promise<void> {
    return this.pool.end();
  }

  private cleanUpNowAndThen(): void {
    const nowMs = this.now();
    if (nowMs < this.nextCleanupMs) return;
    this.nextCleanupMs = nowMs + (this.options.cleanupEveryMs ?? 60_000);
    // Best effort: a failed cleanup leaves rows that mean "full" anyway, and the next one retries.
    this.deleteExpired().catch(() => undefined);
  }
}
