/**
 * A rate-limited, delaying, de-duplicating work queue of string keys with client-go's semantics:
 * - a key waits in the queue at most once, however often it is added (the dirty set);
 * - a key being processed is never handed to a second worker; if it is added meanwhile it is
 *   queued again when the first worker calls done(key) (the processing set);
 * - addAfter keeps the earliest of several pending delays; addRateLimited backs off per key.
 * Unlike client-go, shutDown() also drops keys still queued: get() answers undefined at once, and
 * nothing is lost because the next start (or the next leader) lists everything again.
 */
import { noopWorkQueueMetrics, type WorkQueueMetrics } from './metrics.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

export interface WorkQueueOptions {
  /** Used as the `name` label of the workqueue metrics. */
  name?: string;
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
}

interface Delayed {
  readyAt: number;
  timer: NodeJS.Timeout;
}

export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics;
  private readonly queue: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly waiters: ((key: string | undefined) => void)[] = [];
  /** When each dirty key was added, and when each processing key was handed out (for metrics). */
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? 'workqueue';
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.metrics = options.metrics ?? noopWorkQueueMetrics;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.dirty.add(key);
    this.addedAt.set(key, performance.now());
    this.metrics.added();
    this.metrics.setDepth(this.dirty.size);
    // Re-added while a worker holds it: done() will queue it again.
    if (this.processing.has(key)) return;
    this.queue.push(key);
    this.handOut();
  }

  /** Adds the key once `delayMs` has passed; an earlier pending delay for the same key wins. */
  addAfter(key: string, delayMs: number): void {
    if (this.shuttingDown) return;
    this.metrics.retried();
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const readyAt = performance.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) return;
    if (pending) clearTimeout(pending.timer);
    const timer = setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.delayed.set(key, { readyAt, timer });
  }

  /** Adds the key after the rate limiter's delay (per-key backoff, global bucket). */
  addRateLimited(key: string): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key));
  }

  /** Resets the key's backoff; call it when the key was processed successfully. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process, waiting for one if needed; undefined once the queue shuts down. */
  get(): Promise<string | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const key = this.take();
    if (key !== undefined) return Promise.resolve(key);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key as processed; if it was added meanwhile, it is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.observeWorkDuration((performance.now() - started) / 1000);
    if (this.dirty.has(key) && !this.shuttingDown) {
      this.queue.push(key);
      this.handOut();
    }
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** Keys waiting to be handed out (not counting those re-added while processing). */
  len(): number {
    return this.queue.length;
  }

  isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  /** Stops at once: pending get() calls and all later ones answer undefined; adds are ignored. */
  shutDown(): void {
    if (this.shuttingDown) return;
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.queue.length = 0;
    this.dirty.clear();
    this.addedAt.clear();
    this.metrics.setDepth(0);
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Shuts down, then resolves once every key handed out has been marked done. */
  shutDownWithDrain(): Promise<void> {
    this.shutDown();
    if (this.processing.size === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const previous = this.drained;
      this.drained = () => {
        previous?.();
        resolve();
      };
    });
  }

  private notifyDrained(): void {
    const drained = this.drained;
    this.drained = undefined;
    drained?.();
  }

  /** Gives queued keys to waiting workers, oldest waiter first. */
  private handOut(): void {
    while (this.waiters.length > 0 && this.queue.length > 0) {
      const waiter = this.waiters.shift();
      waiter?.(this.take());
    }
  }

  private take(): string | undefined {
    const key = this.queue.shift();
    if (key === undefined) return undefined;
    this.dirty.delete(key);
    this.processing.add(key);
    const now = performance.now();
    const added = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (added !== undefined) this.metrics.observeQueueDuration((now - added) / 1000);
    this.startedAt.set(key, now);
    this.metrics.setDepth(this.dirty.size);
    return key;
  }
}
