/**
 * Event handlers that turn informer events into work-queue keys, after controller-runtime's
 * handler and predicate packages: enqueue the object itself, or whatever keys a mapping returns
 * (for example the owner named in a controller ownerReference). Objects of an informer's initial
 * list go in at LowPriority, as controller-runtime's WithLowPriorityWhenUnchanged does: after a
 * restart every object is reconciled again, and a real change must not wait behind them. Given the
 * controller's OwnWrites, an event that only echoes one of its own writes enqueues nothing
 * (own-writes.ts).
 */
import type { EventHandler } from './informer.js';
import type { OwnWrites } from './own-writes.js';
import { objectKey, type KubeObject } from './types.js';
import { HighPriority, LowPriority } from './workqueue.js';

export interface EnqueueOptions<T extends KubeObject> {
  /** Keys to enqueue for an object; default its own key. Return [] to ignore it. */
  keys?: (object: T) => string[];
  /** Whether an update is worth a reconcile; default always. */
  updatePredicate?: (oldObject: T, newObject: T) => boolean;
  /**
   * The writes of the controller this handler feeds: the add or update that echoes one of them
   * wakes no key the object still maps to (the writer knows what it wrote). One handler per
   * informer should hold them: the first to see an echo forgets it.
   */
  ownWrites?: OwnWrites;
}

/**
 * A handler that adds keys to `queue` on add, update (old and new keys) and delete: at LowPriority
 * for an object of the initial list, else at HighPriority.
 */
export function enqueueHandler<T extends KubeObject>(
  queue: { add(key: string, priority?: number): void },
  options: EnqueueOptions<T> = {},
): EventHandler<T> {
  const keys = options.keys ?? ((object: T) => [objectKey(object)]);
  const { ownWrites } = options;
  const enqueue = (object: T, priority: number = HighPriority, except: string[] = []): void => {
    for (const key of keys(object)) if (!except.includes(key)) queue.add(key, priority);
  };
  return {
    onAdd: (object, isInInitialList) => {
      if (ownWrites?.isEcho(object)) return;
      enqueue(object, isInInitialList ? LowPriority : HighPriority);
    },
    onUpdate: (oldObject, newObject) => {
      if (options.updatePredicate && !options.updatePredicate(oldObject, newObject)) return;
      // Both: a changed owner or label must reach the key it left as well as the one it joined,
      // even when the change is the controller's own write.
      const echoed = ownWrites?.isEcho(newObject) ? keys(newObject) : [];
      enqueue(oldObject, HighPriority, echoed);
      if (echoed.length === 0) enqueue(newObject);
    },
    onDelete: (object) => {
      ownWrites?.forget(object);
      enqueue(object);
    },
  };
}

/**
 * controller-runtime's GenerationChangedPredicate: only spec changes (which bump
 * metadata.generation) pass, so the controller's own status writes do not wake it again.
 * Deletion still passes, because setting deletionTimestamp does not bump the generation.
 */
export function generationChanged(oldObject: KubeObject, newObject: KubeObject): boolean {
  if (oldObject.metadata.deletionTimestamp !== newObject.metadata.deletionTimestamp) return true;
  return oldObject.metadata.generation !== newObject.metadata.generation;
}

export interface OwnerMatch {
  /** The owner's kind, e.g. "Tenant". */
  kind: string;
  /** The owner's group, e.g. "bulkhead.dev"; "" for the core group. */
  group: string;
  /** Whether the owner lives in the dependent's namespace (false for cluster-scoped owners). */
  namespaced: boolean;
}

/**
 * Maps a dependent to the key of its controlling owner of the given kind, like
 * controller-runtime's EnqueueRequestForOwner with OnlyControllerOwner.
 */
export function controllerOwnerKeys(owner: OwnerMatch): (object: KubeObject) => string[] {
  return (object) => {
    const reference = object.metadata.ownerReferences?.find(
      (ref) => ref.controller === true && ref.kind === owner.kind && groupOf(ref.apiVersion) === owner.group,
    );
    if (!reference) return [];
    const namespace = object.metadata.namespace;
    return [owner.namespaced && namespace ? `${namespace}/${reference.name}` : reference.name];
  };
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}
