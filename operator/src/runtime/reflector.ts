/**
 * The list-and-watch loop behind an informer, after client-go's Reflector: list in pages, watch
 * from the list's resourceVersion with bookmarks, relist when the server says 410 Gone, reconnect
 * with jittered backoff on any other failure, and restart a watch that has gone silent. Each
 * object is transformed as it arrives, page by page, so a relist never holds every object whole.
 */
import { Backoff, aborted, sleep } from './backoff.js';
import { errorFields, type Logger } from './logging.js';
import { StatusError, isResourceExpired, type KubeObject, type ListerWatcher, type WatchEvent } from './types.js';

/** An event that changes the cache; bookmarks and errors are handled by the reflector itself. */
export interface ObjectEvent<T extends KubeObject> {
  type: 'ADDED' | 'MODIFIED' | 'DELETED';
  object: T;
}

/** Where the reflector delivers what it learns (the informer). */
export interface ReflectorSink<T extends KubeObject> {
  replace(items: T[], resourceVersion: string): void;
  apply(event: ObjectEvent<T>): void;
}

export interface ReflectorOptions<T extends KubeObject> {
  /** Names the watched kind in logs, e.g. "tenants". */
  name: string;
  listerWatcher: ListerWatcher<T>;
  sink: ReflectorSink<T>;
  logger: Logger;
  /** Items per list page; default 500. */
  pageSize?: number;
  /** A watch silent (no event, no bookmark) for this long is restarted; default 5 minutes. */
  stallTimeoutMs?: number;
  /** Delays between failed attempts; default 200 ms doubling to 30 s. */
  backoff?: Backoff;
  /** Shapes each listed or watched object before the sink sees it; default none. */
  transform?: (object: T) => T;
}

/** Raised inside the reflector when the stall watchdog gives up on a watch. */
export class WatchStalledError extends Error {
  constructor(silentMs: number) {
    super(`watch sent nothing for ${silentMs} ms`);
    this.name = 'WatchStalledError';
  }
}

type WatchOutcome = 'ended' | 'expired' | 'failed' | 'stopped';

/** What one watch did, filled in while it runs. */
interface WatchState {
  events: number;
  lastActivity: number;
  failure: unknown;
}

/** client-go treats a watch that ends within a second without any event as a failure. */
const shortWatchMs = 1000;

export class Reflector<T extends KubeObject> {
  private readonly options: ReflectorOptions<T>;
  private readonly pageSize: number;
  private readonly stallTimeoutMs: number;
  private readonly backoff: Backoff;
  private readonly transform: (object: T) => T;
  private resourceVersion = '';

  constructor(options: ReflectorOptions<T>) {
    this.options = options;
    this.pageSize = options.pageSize ?? 500;
    this.stallTimeoutMs = options.stallTimeoutMs ?? 5 * 60_000;
    this.backoff = options.backoff ?? new Backoff();
    this.transform = options.transform ?? ((object) => object);
  }

  /** The resourceVersion of the last list, event or bookmark seen. */
  lastSyncResourceVersion(): string {
    return this.resourceVersion;
  }

  /** Lists and watches until `signal` aborts. Never rejects. */
  async run(signal: AbortSignal): Promise<void> {
    let needsList = true;
    while (!signal.aborted) {
      if (needsList && !(await this.listUntilDone(signal))) return;
      const { outcome, healthy } = await this.watchOnce(signal);
      if (outcome === 'stopped') return;
      // A watch that worked for a while earns a fresh backoff, as in client-go's backoff manager.
      if (healthy) this.backoff.reset();
      needsList = outcome === 'expired';
      // Even a 410 waits a little if the watch never worked, so a flapping server is not hammered.
      if (outcome !== 'ended' || !healthy) await sleep(this.backoff.next(), signal);
    }
  }

  /** Lists until it works; false if stopped first. */
  private async listUntilDone(signal: AbortSignal): Promise<boolean> {
    while (!signal.aborted) {
      try {
        const { items, resourceVersion } = await this.listAllPages(signal);
        if (signal.aborted) return false;
        this.resourceVersion = resourceVersion;
        this.options.sink.replace(items, resourceVersion);
        return true;
      } catch (error) {
        if (signal.aborted) return false;
        this.options.logger.warn('List failed', { informer: this.options.name, ...errorFields(error) });
        await sleep(this.backoff.next(), signal);
      }
    }
    return false;
  }

  private async listAllPages(signal: AbortSignal): Promise<{ items: T[]; resourceVersion: string }> {
    const items: T[] = [];
    let next: string | undefined;
    let resourceVersion = '';
    do {
      const options = next ? { limit: this.pageSize, continue: next } : { limit: this.pageSize };
      const page = await this.options.listerWatcher.list(options, signal);
      for (const item of page.items) items.push(this.transform(item)); // no spread: pages may be large
      resourceVersion = page.resourceVersion;
      next = page.continue || undefined;
    } while (next !== undefined && !signal.aborted);
    return { items, resourceVersion };
  }

  private async watchOnce(signal: AbortSignal): Promise<{ outcome: WatchOutcome; healthy: boolean }> {
    const watch = new AbortController();
    const stop = (): void => watch.abort();
    signal.addEventListener('abort', stop, { once: true });
    const state: WatchState = { events: 0, lastActivity: performance.now(), failure: undefined };
    const started = state.lastActivity;
    const watchdog = this.startWatchdog(watch, state);
    try {
      const options = {
        resourceVersion: this.resourceVersion,
        allowWatchBookmarks: true as const,
        timeoutSeconds: this.watchTimeoutSeconds(),
      };
      const done = this.options.listerWatcher.watch(options, (event) => this.onEvent(event, watch, state), watch.signal);
      // Race the abort too: a watch that ignores its signal must not block a restart.
      await Promise.race([done, aborted(watch.signal)]);
    } catch (error) {
      state.failure ??= error;
    } finally {
      clearTimeout(watchdog.timer);
      signal.removeEventListener('abort', stop);
      watch.abort();
    }
    const healthy = state.events > 0 || performance.now() - started >= shortWatchMs;
    return { outcome: this.classify(signal, state), healthy };
  }

  private classify(signal: AbortSignal, state: WatchState): WatchOutcome {
    const { name, logger } = this.options;
    if (signal.aborted) return 'stopped';
    if (state.failure === undefined) return 'ended';
    if (isResourceExpired(state.failure)) {
      logger.info('Watch expired, relisting', { informer: name, resourceVersion: this.resourceVersion });
      return 'expired';
    }
    logger.warn('Watch failed, reconnecting', { informer: name, ...errorFields(state.failure) });
    return 'failed';
  }

  private onEvent(event: WatchEvent<T>, watch: AbortController, state: WatchState): void {
    if (watch.signal.aborted) return; // a late event from a watch already given up on
    state.lastActivity = performance.now();
    if (event.type === 'ERROR') {
      state.failure = new StatusError(event.status);
      watch.abort();
      return;
    }
    state.events += 1;
    this.resourceVersion = event.object.metadata.resourceVersion ?? this.resourceVersion;
    if (event.type !== 'BOOKMARK') this.options.sink.apply({ type: event.type, object: this.transform(event.object) });
  }

  /** Aborts the watch once nothing has arrived for stallTimeoutMs; checks lazily, no timer churn. */
  private startWatchdog(watch: AbortController, state: WatchState): { timer: NodeJS.Timeout | undefined } {
    const handle: { timer: NodeJS.Timeout | undefined } = { timer: undefined };
    const check = (): void => {
      const silentMs = performance.now() - state.lastActivity;
      if (silentMs < this.stallTimeoutMs) {
        handle.timer = setTimeout(check, this.stallTimeoutMs - silentMs);
        return;
      }
      state.failure ??= new WatchStalledError(Math.round(silentMs));
      watch.abort();
    };
    handle.timer = setTimeout(check, this.stallTimeoutMs);
    return handle;
  }

  /**
   * Ask the server to end the watch a bit before the watchdog would, at a random point like
   * client-go does, so a quiet but healthy watch ends cleanly and informers do not restart together.
   */
  private watchTimeoutSeconds(): number {
    const seconds = (this.stallTimeoutMs / 1000) * (0.8 + 0.1 * Math.random());
    return Math.max(1, Math.floor(seconds));
  }
}
