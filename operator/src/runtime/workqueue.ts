/**
 * A rate-limited, delaying, de-duplicating work queue of string keys with client-go's semantics
 * and the priorities of controller-runtime's priorityqueue (v0.20):
 * - a key waits in the queue at most once, however often it is added (the dirty set);
 * - a key being processed is never handed to a second worker; if it is added meanwhile it is
 *   queued again when the first worker calls done(key) (the processing set);
 * - addAfter keeps the earliest of several pending delays; addRateLimited backs off per key;
 * - every add has a priority, HighPriority unless told; the highest waiting priority goes first. A
 *   key waiting at a lower priority is promoted by a higher add (to the back of the higher line),
 *   never demoted by a lower one. Periodic resyncs and the initial list add at LowPriority, so a
 *   new or changed object never waits behind them.
 * - Within a priority, keys go in the order their current piece of work began (their turn), not
 *   in the order of their last add, when passesPerTurn > 0: a key requeued after a delay or a
 *   failure, or re-added while processing, keeps its turn for up to passesPerTurn passes, until a
 *   pass ends with nothing pending for it. Work begun is finished before work not begun, so a burst
 *   of new objects become ready one after another rather than all at the end (docs/decisions/0023).
 *   Off by default (every re-add queues at the back, controller-runtime's order): it costs passes.
 * Unlike client-go, shutDown() also drops keys still queued: get() answers undefined at once, and
 * nothing is lost because the next start (or the next leader) lists everything again.
 */
import { noopWorkQueueMetrics, type WorkQueueMetrics } from './metrics.js';
import { QueueLine } from './queue-line.js';
import { defaultControllerRateLimiter, type RateLimiter } from './rate-limiter.js';

/** controller-runtime's default priority: real creates, changes and deletions. */
export const HighPriority = 0;
/** controller-runtime's handler.LowPriority: periodic resyncs and the initial list after a start. */
export const LowPriority = -100;

export interface WorkQueueOptions {
  /** Used as the `name` label of the workqueue metrics. */
  name?: string;
  rateLimiter?: RateLimiter;
  metrics?: WorkQueueMetrics;
  /**
   * Passes a key may have in one turn before it queues at the back like a new key. Default 0: every
   * re-add queues at the back, controller-runtime's order. Turns shorten the p50 time to Ready of a
   * burst of new tenants but cost extra passes, which the full integration run could not afford
   * (docs/decisions/0023); off until the echo passes are gone.
   */
  passesPerTurn?: number;
}

/** A key handed to a worker, with the priority it waited at (a retry of it should keep it). */
export interface QueueItem {
  key: string;
  priority: number;
}

interface Delayed {
  readyAt: number;
  priority: number;
  timer: NodeJS.Timeout;
}

/** A key's place in line for its current piece of work, and how many passes it has had in it. */
interface Turn {
  turn: number;
  passes: number;
}

export class WorkQueue {
  readonly name: string;
  private readonly rateLimiter: RateLimiter;
  private readonly metrics: WorkQueueMetrics;
  private readonly passesPerTurn: number;
  /** One line per priority, highest first. */
  private readonly lines = new Map<number, QueueLine>();
  /** Keys waiting (queued, or re-added while processing), with the priority they will be handed out at. */
  private readonly dirty = new Map<string, number>();
  private readonly processing = new Set<string>();
  private readonly delayed = new Map<string, Delayed>();
  private readonly turns = new Map<string, Turn>();
  private nextTurn = 0;
  private readonly waiters: ((item: QueueItem | undefined) => void)[] = [];
  /** When each dirty key was added, and when each processing key was handed out (for metrics). */
  private readonly addedAt = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private shuttingDown = false;
  private drained: (() => void) | undefined;

  constructor(options: WorkQueueOptions = {}) {
    this.name = options.name ?? 'workqueue';
    this.rateLimiter = options.rateLimiter ?? defaultControllerRateLimiter();
    this.metrics = options.metrics ?? noopWorkQueueMetrics;
    this.passesPerTurn = options.passesPerTurn ?? 0;
  }

  add(key: string, priority: number = HighPriority): void {
    if (this.shuttingDown) return;
    const waiting = this.dirty.get(key);
    if (waiting !== undefined) {
      if (priority > waiting) this.promote(key, waiting, priority);
      return;
    }
    this.dirty.set(key, priority);
    this.addedAt.set(key, performance.now());
    this.metrics.added();
    this.reportDepth(priority);
    // Re-added while a worker holds it: done() will queue it again.
    if (this.processing.has(key)) return;
    this.enqueue(key, priority);
    this.handOut();
  }

  /** Adds the key once `delayMs` has passed; an earlier pending delay for the same key wins, the higher priority too. */
  addAfter(key: string, delayMs: number, priority: number = HighPriority): void {
    if (this.shuttingDown) return;
    this.metrics.retried();
    if (delayMs <= 0) {
      this.add(key, priority);
      return;
    }
    const readyAt = performance.now() + delayMs;
    const pending = this.delayed.get(key);
    if (pending && pending.readyAt <= readyAt) {
      pending.priority = Math.max(pending.priority, priority);
      return;
    }
    if (pending) clearTimeout(pending.timer);
    const delayed: Delayed = {
      readyAt,
      priority: Math.max(pending?.priority ?? priority, priority),
      timer: setTimeout(() => {
        this.delayed.delete(key);
        this.add(key, delayed.priority);
      }, delayMs),
    };
    this.delayed.set(key, delayed);
  }

  /** Adds the key after the rate limiter's delay (per-key backoff, global bucket). */
  addRateLimited(key: string, priority: number = HighPriority): void {
    if (this.shuttingDown) return;
    this.addAfter(key, this.rateLimiter.when(key), priority);
  }

  /** Resets the key's backoff; call it when the key was processed successfully. */
  forget(key: string): void {
    this.rateLimiter.forget(key);
  }

  numRequeues(key: string): number {
    return this.rateLimiter.numRequeues(key);
  }

  /** The next key to process, waiting for one if needed; undefined once the queue shuts down. */
  async get(): Promise<string | undefined> {
    return (await this.getWithPriority())?.key;
  }

  /** As get(), with the priority the key waited at. */
  getWithPriority(): Promise<QueueItem | undefined> {
    if (this.shuttingDown) return Promise.resolve(undefined);
    const item = this.take();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Marks the key as processed; if it was added meanwhile, it is queued again now. */
  done(key: string): void {
    if (!this.processing.delete(key)) return;
    const started = this.startedAt.get(key);
    this.startedAt.delete(key);
    if (started !== undefined) this.metrics.observeWorkDuration((performance.now() - started) / 1000);
    const again = this.dirty.get(key);
    if (again !== undefined && !this.shuttingDown) {
      this.enqueue(key, again);
      this.handOut();
    } else if (!this.delayed.has(key)) {
      // Nothing pending: this piece of work is finished, and the next add starts a new turn.
      this.turns.delete(key);
    }
    if (this.processing.size === 0) this.notifyDrained();
  }

  /** Keys waiting to be handed out (not counting those re-added while processing). */
  len(): number {
    return this.waitingAtOrAbove(-Infinity);
  }

  /** Keys waiting at `priority` or above: new and changed work, without the resync's (HighPriority: 0). */
  waitingAtOrAbove(priority: number): number {
    let length = 0;
    for (const [at, line] of this.lines) if (at >= priority) length += line.length;
    return length;
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
    for (const line of this.lines.values()) line.clear();
    this.dirty.clear();
    this.turns.clear();
    this.addedAt.clear();
    for (const priority of this.lines.keys()) this.reportDepth(priority);
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

  /** Puts a key in its priority's line: at its turn if its work has begun, else at the back. */
  private enqueue(key: string, priority: number): void {
    let turn = this.turns.get(key);
    if (turn === undefined) {
      turn = { turn: this.nextTurn++, passes: 0 };
      this.turns.set(key, turn);
    } else if (turn.passes >= this.passesPerTurn) {
      turn.turn = this.nextTurn++;
    }
    this.line(priority).insert(key, turn.turn);
  }

  /** Moves a waiting key up to a higher priority, at the back of that line, as controller-runtime does. */
  private promote(key: string, from: number, to: number): void {
    this.dirty.set(key, to);
    this.reportDepth(from);
    this.reportDepth(to);
    const turn = this.turns.get(key);
    if (this.processing.has(key) || turn === undefined) return;
    this.line(from).remove(key, turn.turn);
    turn.turn = this.nextTurn++;
    this.line(to).insert(key, turn.turn);
  }

  private line(priority: number): QueueLine {
    let line = this.lines.get(priority);
    if (!line) {
      line = new QueueLine();
      this.lines.set(priority, line);
      // Few priorities exist; keep the map ordered highest first so take() reads it in order.
      const ordered = [...this.lines].sort(([a], [b]) => b - a);
      this.lines.clear();
      for (const [p, l] of ordered) this.lines.set(p, l);
    }
    return line;
  }

  /** Gives queued keys to waiting workers, oldest waiter first. */
  private handOut(): void {
    while (this.waiters.length > 0 && this.len() > 0) {
      const waiter = this.waiters.shift();
      waiter?.(this.take());
    }
  }

  private take(): QueueItem | undefined {
    for (const [priority, line] of this.lines) {
      const key = line.shift();
      if (key === undefined) continue;
      this.dirty.delete(key);
      this.processing.add(key);
      const turn = this.turns.get(key);
      if (turn) turn.passes += 1;
      const now = performance.now();
      const added = this.addedAt.get(key);
      this.addedAt.delete(key);
      if (added !== undefined) this.metrics.observeQueueDuration((now - added) / 1000);
      this.startedAt.set(key, now);
      this.reportDepth(priority);
      return { key, priority };
    }
    return undefined;
  }

  /** The number of keys waiting at this priority, for the workqueue_depth gauge. */
  private reportDepth(priority: number): void {
    let depth = 0;
    for (const waiting of this.dirty.values()) if (waiting === priority) depth += 1;
    this.metrics.setDepth(depth, priority);
  }
}
