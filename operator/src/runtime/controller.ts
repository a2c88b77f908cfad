/**
 * A controller: N workers take keys from a WorkQueue and reconcile them, after controller-runtime's
 * internal controller. A failed reconcile is retried with per-key backoff; a successful one forgets
 * the key's failures and may ask to be run again after a delay. A reconcile that throws is logged
 * and retried, never crashes the process. The work queue guarantees a key is never reconciled by
 * two workers at once.
 */
import { randomUUID } from 'node:crypto';
import { unelectedFence, type LeadershipFence } from './fence.js';
import { enqueueHandler, type EnqueueOptions } from './handlers.js';
import type { EventHandler } from './informer.js';
import { errorFields, type Logger } from './logging.js';
import { noopControllerMetrics, type ControllerMetrics, type ReconcileResult, type RuntimeMetrics } from './metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import type { KubeObject } from './types.js';
import { HighPriority, WorkQueue, type QueueItem } from './workqueue.js';

export interface ReconcileContext {
  /** Random per reconcile, to follow one attempt through the logs. */
  reconcileID: string;
  /** Carries `controller`, `reconcileID` and `key`. */
  logger: Logger;
  /** Aborts when the controller stops (and so when leadership is lost); pass it to every call that takes one. */
  signal: AbortSignal;
  /** Confirms leadership immediately before a destructive act (runtime/fence.ts). */
  fence: LeadershipFence;
}

/**
 * What a reconcile asks for besides success. `requeueAfterMs` runs the key again after that delay
 * (controller-runtime's Result.RequeueAfter), e.g. to poll an outside system that has no watch.
 */
export interface ReconcileOutcome {
  requeueAfterMs?: number;
}

/** Throwing (or rejecting) means "failed, retry with backoff". */
export type Reconciler = (key: string, context: ReconcileContext) => Promise<ReconcileOutcome | void>;

export interface ControllerOptions {
  /** The `controller` log field and metrics label, e.g. "tenant". */
  name: string;
  reconcile: Reconciler;
  logger: Logger;
  /** Workers reconciling different keys at once; default 1. */
  maxConcurrentReconciles?: number;
  /** Retry delays; default client-go's controller rate limiter. */
  rateLimiter?: RateLimiter;
  metrics?: RuntimeMetrics;
  /** The work queue's turns (WorkQueueOptions.passesPerTurn); default 0, none. */
  passesPerTurn?: number;
}

export class Controller {
  readonly name: string;
  readonly queue: WorkQueue;
  private readonly reconciler: Reconciler;
  private readonly logger: Logger;
  private readonly workers: number;
  private readonly metrics: ControllerMetrics;
  private readonly stopping = new AbortController();
  private running: Promise<void> | undefined;
  private activeWorkers = 0;
  private fence: LeadershipFence = unelectedFence(this.stopping.signal);

  constructor(options: ControllerOptions) {
    this.name = options.name;
    this.reconciler = options.reconcile;
    this.logger = options.logger.child({ controller: options.name });
    this.workers = Math.max(1, options.maxConcurrentReconciles ?? 1);
    this.metrics = options.metrics?.controller(options.name) ?? noopControllerMetrics;
    this.queue = new WorkQueue({
      name: options.name,
      ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
      ...(options.metrics ? { metrics: options.metrics.workQueue(options.name) } : {}),
      ...(options.passesPerTurn ? { passesPerTurn: options.passesPerTurn } : {}),
    });
  }

  /** Queues a key for reconciliation (LowPriority for periodic work, which then yields to real changes). */
  enqueue(key: string, priority: number = HighPriority): void {
    this.queue.add(key, priority);
  }

  /**
   * Enqueues keys for the events of an informer (default: the object's own key).
   * Returns a function that stops listening.
   */
  watch<T extends KubeObject>(
    informer: { addEventHandler(handler: EventHandler<T>): () => void },
    options: EnqueueOptions<T> = {},
  ): () => void {
    return informer.addEventHandler(enqueueHandler<T>(this.queue, options));
  }

  /**
   * Starts the workers; when `signal` aborts the controller stops as by stop(). Reconciles get
   * `fence` (the leader elector's); without one they run as the only replica.
   */
  start(signal?: AbortSignal, fence?: LeadershipFence): void {
    if (this.running || this.stopping.signal.aborted) return;
    if (fence) this.fence = fence;
    this.metrics.setMaxConcurrentReconciles(this.workers);
    this.metrics.setActiveWorkers(0);
    const workers = Array.from({ length: this.workers }, () => this.work());
    this.running = Promise.all(workers).then(() => undefined);
    this.logger.info('Starting workers', { workers: this.workers });
    const stop = (): void => {
      this.stop().catch((error: unknown) => this.logger.error('Stopping failed', errorFields(error)));
    };
    if (signal?.aborted) stop();
    else signal?.addEventListener('abort', stop, { once: true });
  }

  /**
   * Stops handing out keys, aborts the signal of reconciles in flight and resolves once they have
   * returned. Keys still queued are dropped; they are found again by the next list.
   */
  async stop(): Promise<void> {
    if (!this.stopping.signal.aborted) {
      this.stopping.abort();
      this.queue.shutDown();
      this.logger.info('Stopping workers');
    }
    await this.running;
  }

  private async work(): Promise<void> {
    for (let item = await this.queue.getWithPriority(); item !== undefined; item = await this.queue.getWithPriority()) {
      this.metrics.setActiveWorkers(++this.activeWorkers);
      try {
        await this.reconcileKey(item);
      } finally {
        this.metrics.setActiveWorkers(--this.activeWorkers);
        this.queue.done(item.key);
      }
    }
  }

  /** A retry or a requeue keeps the priority the key waited at, as controller-runtime's does. */
  private async reconcileKey({ key, priority }: QueueItem): Promise<void> {
    const reconcileID = randomUUID();
    const logger = this.logger.child({ reconcileID, key });
    const started = performance.now();
    const observe = (result: ReconcileResult): void => this.metrics.observeReconcile(result, (performance.now() - started) / 1000);
    let outcome: ReconcileOutcome | void;
    try {
      logger.debug('Reconciling');
      outcome = await this.reconciler(key, { reconcileID, logger, signal: this.stopping.signal, fence: this.fence });
    } catch (error) {
      observe('error');
      logger.error('Reconciler error', { ...errorFields(error), retries: this.queue.numRequeues(key) });
      this.queue.addRateLimited(key, priority);
      return;
    }
    this.queue.forget(key);
    const requeueAfterMs = outcome?.requeueAfterMs ?? 0;
    if (requeueAfterMs > 0) {
      observe('requeue_after');
      this.queue.addAfter(key, requeueAfterMs, priority);
    } else {
      observe('success');
    }
    logger.debug('Reconciled', { requeueAfterMs });
  }
}
