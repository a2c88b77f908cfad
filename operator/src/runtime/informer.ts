/**
 * An informer for one watched kind, after client-go's SharedIndexInformer: a Reflector keeps a
 * Store in step with the server and the informer tells its event handlers what changed. A relist
 * is turned back into events: deletes for objects that vanished (client-go would hand out a
 * DeletedFinalStateUnknown; here handlers get the last object seen), updates for those whose
 * resourceVersion moved. A handler that throws is logged and never stops delivery. Objects are
 * shaped by a cache transform (cache-transforms.ts) before the store and the handlers see them.
 */
import type { Backoff } from './backoff.js';
import { cacheTransform, type CacheTransform } from './cache-transforms.js';
import { errorFields, type Logger } from './logging.js';
import { Reflector, type ObjectEvent } from './reflector.js';
import { Store } from './store.js';
import type { KubeObject, ListerWatcher } from './types.js';

export interface EventHandler<T extends KubeObject> {
  /**
   * `isInInitialList` (controller-runtime's CreateEvent.IsInInitialList): the object came with the
   * informer's first list, or is told to a handler added after it, so it is not new, only newly seen.
   */
  onAdd?(object: T, isInInitialList: boolean): void;
  onUpdate?(oldObject: T, newObject: T): void;
  onDelete?(object: T): void;
}

export interface InformerOptions<T extends KubeObject> {
  /** Names the watched kind in logs, e.g. "tenants". */
  name: string;
  listerWatcher: ListerWatcher<T>;
  logger: Logger;
  /** Items per list page; default 500. */
  pageSize?: number;
  /** A watch silent for this long is restarted; default 5 minutes. */
  stallTimeoutMs?: number;
  /** Delays between failed list or watch attempts; default 200 ms doubling to 30 s, jittered. */
  backoff?: Backoff;
  /** What to drop from each object besides metadata.managedFields, which is always dropped. */
  transform?: CacheTransform<T>;
}

export class Informer<T extends KubeObject> {
  /** The cache; add indexers before start(). Objects in it are shared: do not modify them. */
  readonly store = new Store<T>();
  readonly name: string;
  private readonly logger: Logger;
  private readonly reflector: Reflector<T>;
  private readonly handlers = new Set<EventHandler<T>>();
  private readonly syncWaiters = new Set<(synced: boolean) => void>();
  private synced = false;
  private running: { controller: AbortController; done: Promise<void> } | undefined;

  constructor(options: InformerOptions<T>) {
    this.name = options.name;
    this.logger = options.logger.child({ informer: options.name });
    this.reflector = new Reflector({
      ...options,
      transform: cacheTransform(options.transform),
      sink: { replace: (items) => this.replace(items), apply: (event) => this.apply(event) },
    });
  }

  /**
   * Registers a handler; returns a function that removes it. A handler added after the first sync
   * is first told about every cached object through onAdd, as client-go does.
   */
  addEventHandler(handler: EventHandler<T>): () => void {
    this.handlers.add(handler);
    if (this.synced) for (const object of this.store.list()) this.call(handler, 'onAdd', [object, true]);
    return () => this.handlers.delete(handler);
  }

  /** True once the first list has been stored and delivered to the handlers. */
  hasSynced(): boolean {
    return this.synced;
  }

  /** Resolves true once synced, false if `signal` aborts or the informer stops first. */
  waitForSync(signal?: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    if (signal?.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const finish = (synced: boolean): void => {
        this.syncWaiters.delete(finish);
        signal?.removeEventListener('abort', onAbort);
        resolve(synced);
      };
      const onAbort = (): void => finish(false);
      this.syncWaiters.add(finish);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  lastSyncResourceVersion(): string {
    return this.reflector.lastSyncResourceVersion();
  }

  /** Starts listing and watching in the background; a second call does nothing. */
  start(): void {
    if (this.running) return;
    const controller = new AbortController();
    this.running = { controller, done: this.reflector.run(controller.signal) };
  }

  /** Aborts the list or watch in progress and resolves once the loop has ended. Final: no restart. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running.controller.abort();
    await this.running.done;
    for (const finish of [...this.syncWaiters]) finish(false);
  }

  private replace(items: T[]): void {
    const previous = this.store.snapshot();
    this.store.replace(items);
    for (const object of items) {
      const old = previous.get(this.store.key(object));
      // A relist after the first finds objects created while the watch was down: those are new.
      if (!old) this.dispatch('onAdd', [object, !this.synced]);
      else if (old.metadata.resourceVersion !== object.metadata.resourceVersion) {
        this.dispatch('onUpdate', [old, object]);
      }
    }
    for (const [key, old] of previous) {
      if (!this.store.get(key)) this.dispatch('onDelete', [old]);
    }
    if (!this.synced) this.markSynced();
  }

  private apply({ type, object }: ObjectEvent<T>): void {
    if (type === 'DELETED') {
      this.store.delete(this.store.key(object));
      this.dispatch('onDelete', [object]);
      return;
    }
    const old = this.store.upsert(object);
    if (old) this.dispatch('onUpdate', [old, object]);
    else this.dispatch('onAdd', [object, false]);
  }

  private markSynced(): void {
    this.synced = true;
    this.logger.debug('Informer synced', { objects: this.store.size });
    for (const finish of [...this.syncWaiters]) finish(true);
  }

  private dispatch<K extends keyof EventHandler<T>>(kind: K, args: Parameters<NonNullable<EventHandler<T>[K]>>): void {
    for (const handler of this.handlers) this.call(handler, kind, args);
  }

  /** Calls one handler, containing anything it throws or rejects with. */
  private call<K extends keyof EventHandler<T>>(
    handler: EventHandler<T>,
    kind: K,
    args: Parameters<NonNullable<EventHandler<T>[K]>>,
  ): void {
    const fn = handler[kind] as ((...a: typeof args) => unknown) | undefined;
    if (!fn) return;
    const report = (error: unknown): void => {
      this.logger.error('Event handler failed', { handler: kind, ...errorFields(error) });
    };
    try {
      const result = fn.apply(handler, args);
      // Handlers are meant to be synchronous; an async one must not become an unhandled rejection.
      if (result instanceof Promise) result.catch(report);
    } catch (error) {
      report(error);
    }
  }
}
