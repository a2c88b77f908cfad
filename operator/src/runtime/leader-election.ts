/**
 * Leader election over an abstract lease lock, after client-go's leaderelection package, so that
 * only one replica of the operator reconciles at a time. kube/ implements LeaseLock on a
 * coordination.k8s.io Lease and throws ConflictError on a stale resourceVersion.
 *
 * Safety rests on renewDeadline < leaseDuration: a leader that cannot renew stops leading before
 * any other candidate may take over, and candidates measure expiry on their own clock from the
 * moment they saw the record change, never from the remote renewTime (clocks may be skewed).
 * A leader that was paused learns of its loss only when its timers run again, so the elector is
 * also the leadership fence (confirm) that destructive acts pass through (runtime/fence.ts).
 */
import { sleep, withTimeout } from './backoff.js';
import { LeadershipNotConfirmed, type LeadershipFence } from './fence.js';
import { errorMessage } from './errors.js';
import { errorFields, type Logger } from './logging.js';
import { noopLeaderElectionMetrics, type LeaderElectionMetrics, type RuntimeMetrics } from './metrics.js';

export interface LeaderElectionRecord {
  /** Empty when nobody holds the lease (after a release). */
  holderIdentity: string;
  /**
   * Written as leaseDurationMs / 1000, which may be fractional with test timings; a Lease stores
   * whole seconds, so kube/ should round up (longer is the safe direction).
   */
  leaseDurationSeconds: number;
  acquireTime: string;
  renewTime: string;
  leaderTransitions: number;
}

export interface LeaseLock {
  get(): Promise<{ record: LeaderElectionRecord; resourceVersion: string } | undefined>;
  /** Throws ConflictError if the lock already exists; resolves to the written resourceVersion ('' if unknown). */
  create(record: LeaderElectionRecord): Promise<string>;
  /** Throws ConflictError on a stale resourceVersion; resolves to the written resourceVersion ('' if unknown). */
  update(record: LeaderElectionRecord, resourceVersion: string): Promise<string>;
  /** For logs, e.g. "bulkhead-system/bulkhead-operator". */
  describe(): string;
}

/** Someone else wrote the lock first; the attempt simply failed. */
export class ConflictError extends Error {
  readonly code = 409;

  constructor(message = 'the lock was changed by someone else', options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConflictError';
  }
}

export interface LeaderElectorOptions {
  lock: LeaseLock;
  /** Unique per replica, e.g. the pod name plus a random suffix. */
  identity: string;
  /** How long others wait after the last renewal they saw; default 15 s. */
  leaseDurationMs?: number;
  /** How long the leader keeps retrying a renewal before it gives up leading; default 10 s. */
  renewDeadlineMs?: number;
  /** Pause between attempts; default 2 s. */
  retryPeriodMs?: number;
  /** Release the lease when run()'s signal aborts (client-go's ReleaseOnCancel); default true. */
  releaseOnCancel?: boolean;
  /**
   * Called on becoming leader; `signal` aborts when leadership ends, and `fence` confirms it
   * immediately before a destructive act. If it returns a promise, a graceful shutdown waits for
   * it before releasing the lease, so two leaders never overlap.
   */
  onStartedLeading(signal: AbortSignal, fence: LeadershipFence): void | Promise<void>;
  /** Called when leading ends (lost or shut down); typically exits the process on loss. */
  onStoppedLeading?(): void;
  /** Called when a new holder (possibly this one) is observed. */
  onNewLeader?(identity: string): void;
  logger: Logger;
  metrics?: RuntimeMetrics;
}

/** client-go's JitterFactor: acquisition retries wait retryPeriod × [1, 2.2). */
const jitterFactor = 1.2;

export class LeaderElector implements LeadershipFence {
  private readonly options: LeaderElectorOptions;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly logger: Logger;
  private readonly metrics: LeaderElectionMetrics;
  private observedRecord: LeaderElectionRecord | undefined;
  /** resourceVersion and content of the record last seen, to notice changes. */
  private observedRaw = '';
  /** Local monotonic time at which the record was last seen to change. */
  private observedTime = 0;
  private reportedLeader = '';
  private leading = false;
  /** Local monotonic time at which our last successful write of the record was sent. */
  private lastRenewal = 0;
  /** The resourceVersion our last write of the record returned, for a renewal without a read; '' when unknown. */
  private writtenResourceVersion = '';

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    // The same checks as client-go's NewLeaderElector.
    if (this.leaseDurationMs <= this.renewDeadlineMs) {
      throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    }
    if (this.renewDeadlineMs <= jitterFactor * this.retryPeriodMs) {
      throw new Error('renewDeadlineMs must be greater than retryPeriodMs × 1.2');
    }
    this.logger = options.logger.child({ lock: options.lock.describe(), identity: options.identity });
    this.metrics = options.metrics?.leaderElection(options.lock.describe()) ?? noopLeaderElectionMetrics;
  }

  isLeader(): boolean {
    return this.leading;
  }

  /** The holder in the record last seen ('' if none). */
  getLeader(): string {
    return this.observedRecord?.holderIdentity ?? '';
  }

  /**
   * Campaigns until leading, leads until the lease is lost or `signal` aborts, then resolves.
   * Like client-go's Run, it does not campaign again after a loss.
   */
  async run(signal: AbortSignal): Promise<void> {
    this.logger.info('Attempting to acquire leader lease');
    if (!(await this.acquire(signal))) return;
    this.logger.info('Acquired leader lease');
    const leadership = new AbortController();
    this.setLeading(true);
    const work = this.startLeading(leadership.signal);
    const lost = await this.renewUntilLost(signal);
    leadership.abort();
    this.setLeading(false);
    if (lost) {
      this.logger.error('Leader lease lost');
    } else {
      await work;
      if (this.options.releaseOnCancel ?? true) await this.release();
    }
    this.callback('onStoppedLeading', () => this.options.onStoppedLeading?.());
  }

  /**
   * Writes an empty holder so the next candidate takes over at once instead of waiting out the
   * lease. Only call it once the work guarded by the lease has stopped. Returns false if the
   * lease is not ours or the write failed.
   */
  async release(): Promise<boolean> {
    try {
      const current = await this.options.lock.get();
      if (current?.record.holderIdentity !== this.options.identity) return false;
      const now = new Date().toISOString();
      const record: LeaderElectionRecord = {
        holderIdentity: '',
        leaseDurationSeconds: 1,
        acquireTime: now,
        renewTime: now,
        leaderTransitions: current.record.leaderTransitions,
      };
      await this.options.lock.update(record, current.resourceVersion);
      this.writtenResourceVersion = '';
      this.observe(record, '');
      this.logger.info('Released leader lease');
      return true;
    } catch (error) {
      this.logger.warn('Failed to release leader lease', errorFields(error));
      return false;
    }
  }

  /**
   * The leadership fence: resolves only while this replica leads, its last renewal is within the
   * renew deadline by its own monotonic clock, and a fresh read of the Lease still names it. A
   * paused leader that resumes passes none of these for long: its clock shows the pause, and the
   * Lease names whoever took over. Throws LeadershipNotConfirmed (and logs it) otherwise.
   */
  async confirm(act: string): Promise<void> {
    const refusal = this.staleness() ?? (await this.readHolder()) ?? this.staleness(); // again: the read took time
    if (refusal === undefined) return;
    this.logger.warn('Refused a destructive act: leadership not confirmed', { act, why: refusal.why });
    throw new LeadershipNotConfirmed(act, refusal.why, { cause: refusal.cause });
  }

  /** Why this replica cannot count on the lease by its own clock, or undefined. */
  private staleness(): Refusal | undefined {
    if (!this.leading) return { why: 'this replica is not leading' };
    const sinceRenewal = performance.now() - this.lastRenewal;
    if (sinceRenewal < this.renewDeadlineMs) return undefined;
    return { why: `the lease was last renewed ${Math.round(sinceRenewal)} ms ago, past the renew deadline of ${this.renewDeadlineMs} ms` };
  }

  /** Reads the Lease now: why it does not name this replica, or undefined when it does. */
  private async readHolder(): Promise<Refusal | undefined> {
    const remaining = this.lastRenewal + this.renewDeadlineMs - performance.now();
    try {
      const current = await withTimeout(this.options.lock.get(), remaining, timedOut);
      if (current === timedOut) return { why: 'the Lease could not be read within the renew deadline' };
      const holder = current?.record.holderIdentity ?? '';
      return holder === this.options.identity ? undefined : { why: `the Lease is held by ${holder || 'nobody'}` };
    } catch (error) {
      return { why: `the Lease could not be read: ${errorMessage(error)}`, cause: error };
    }
  }

  private async acquire(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      const attemptStarted = performance.now();
      if (await this.tryAcquireOrRenew()) {
        this.lastRenewal = attemptStarted;
        return true;
      }
      await sleep(this.retryPeriodMs * (1 + Math.random() * jitterFactor), signal);
    }
    return false;
  }

  /** Renews every retryPeriod; true when leadership is lost, false when `signal` aborted. */
  private async renewUntilLost(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      await sleep(this.retryPeriodMs, signal);
      if (signal.aborted) return false;
      const attemptStarted = performance.now();
      const remaining = this.lastRenewal + this.renewDeadlineMs - attemptStarted;
      // A hung call must not stretch leadership past the deadline, so it is raced against it.
      if (remaining > 0 && (await withTimeout(this.tryAcquireOrRenew(), remaining, false))) {
        // Count from the start: others saw the renewal no earlier than it was sent.
        this.lastRenewal = attemptStarted;
        continue;
      }
      if (this.otherHolderSeen() || performance.now() - this.lastRenewal >= this.renewDeadlineMs) return true;
    }
  }

  /** client-go's tryAcquireOrRenew; never rejects. */
  private async tryAcquireOrRenew(): Promise<boolean> {
    try {
      return await this.writeRecord();
    } catch (error) {
      if (error instanceof ConflictError) this.logger.debug('Leader lease changed meanwhile', errorFields(error));
      else this.logger.warn('Failed to acquire or renew leader lease', errorFields(error));
      return false;
    } finally {
      this.reportTransition();
    }
  }

  private async writeRecord(): Promise<boolean> {
    if (await this.renewedOptimistically()) return true;
    const now = new Date().toISOString();
    const desired: LeaderElectionRecord = {
      holderIdentity: this.options.identity,
      leaseDurationSeconds: this.leaseDurationMs / 1000,
      acquireTime: now,
      renewTime: now,
      leaderTransitions: 0,
    };
    const current = await this.options.lock.get();
    if (!current) {
      this.writtenResourceVersion = await this.options.lock.create(desired);
      this.observe(desired, '');
      return true;
    }
    const raw = `${current.resourceVersion}:${JSON.stringify(current.record)}`;
    if (raw !== this.observedRaw) this.observe(current.record, raw);
    const heldByUs = current.record.holderIdentity === this.options.identity;
    if (current.record.holderIdentity !== '' && !heldByUs && this.observedLeaseValid()) return false;
    if (heldByUs) {
      desired.acquireTime = current.record.acquireTime;
      desired.leaderTransitions = current.record.leaderTransitions;
    } else {
      desired.leaderTransitions = current.record.leaderTransitions + 1;
    }
    this.writtenResourceVersion = await this.options.lock.update(desired, current.resourceVersion);
    // The next get counts as a change (raw ''): fine for the holder.
    this.observe(desired, '');
    return true;
  }

  /**
   * client-go's fast path: a leader whose lease is still valid by its own clock writes the renewal
   * over the resourceVersion of its own last write, without reading the Lease first. One round trip
   * instead of two, which matters when the event loop runs late (a starved CPU, a long audit): each
   * await of a renewal then costs seconds. Any failure, a conflict included (someone else wrote the
   * Lease), falls back to the read-then-write path, which decides as before.
   */
  private async renewedOptimistically(): Promise<boolean> {
    const held = this.heldRecord();
    if (held === undefined) return false;
    const now = new Date().toISOString();
    const desired: LeaderElectionRecord = { ...held, leaseDurationSeconds: this.leaseDurationMs / 1000, renewTime: now };
    const resourceVersion = this.writtenResourceVersion;
    this.writtenResourceVersion = '';
    try {
      this.writtenResourceVersion = await this.options.lock.update(desired, resourceVersion);
    } catch (error) {
      this.logger.debug('Optimistic lease renewal failed, reading the Lease', errorFields(error));
      return false;
    }
    this.observe(desired, '');
    return true;
  }

  /** The record as this leader last wrote it, while it leads on a lease valid by its own clock and knows the version it wrote. */
  private heldRecord(): LeaderElectionRecord | undefined {
    const held = this.observedRecord;
    if (!this.leading || this.writtenResourceVersion === '' || held?.holderIdentity !== this.options.identity) return undefined;
    return this.observedLeaseValid() ? held : undefined;
  }

  private observe(record: LeaderElectionRecord, raw: string): void {
    this.observedRecord = record;
    this.observedRaw = raw;
    this.observedTime = performance.now();
  }

  private observedLeaseValid(): boolean {
    const durationMs = (this.observedRecord?.leaseDurationSeconds ?? 0) * 1000;
    return this.observedTime + durationMs > performance.now();
  }

  private otherHolderSeen(): boolean {
    const holder = this.getLeader();
    return holder !== '' && holder !== this.options.identity;
  }

  private reportTransition(): void {
    const holder = this.getLeader();
    if (holder === '' || holder === this.reportedLeader) return;
    this.reportedLeader = holder;
    this.logger.info('New leader elected', { leader: holder });
    this.callback('onNewLeader', () => this.options.onNewLeader?.(holder));
  }

  private setLeading(leading: boolean): void {
    this.leading = leading;
    this.metrics.setLeading(leading);
  }

  /** Runs onStartedLeading; the promise settles when its work does and never rejects. */
  private async startLeading(signal: AbortSignal): Promise<void> {
    try {
      await this.options.onStartedLeading(signal, this);
    } catch (error) {
      this.logger.error('onStartedLeading failed', errorFields(error));
    }
  }

  private callback(name: string, fn: () => void): void {
    try {
      fn();
    } catch (error) {
      this.logger.error(`${name} failed`, errorFields(error));
    }
  }
}

interface Refusal {
  why: string;
  cause?: unknown;
}

const timedOut = Symbol('timed out');
