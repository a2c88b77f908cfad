/**
 * The informer's cache: objects keyed by `namespace/name` (or `name` when cluster-scoped), with
 * named secondary indexes, like client-go's cache.Indexer. Objects are shared with every reader,
 * as in client-go: treat them as read-only and copy before changing.
 */
import { objectKey, type KubeObject } from './types.js';

/** Maps an object to the index values it should be found under (none is fine). */
export type IndexFunc<T> = (object: T) => string[];

export class Store<T extends KubeObject> {
  private readonly items = new Map<string, T>();
  private readonly indexers = new Map<string, IndexFunc<T>>();
  /** index name → index value → keys */
  private readonly indices = new Map<string, Map<string, Set<string>>>();

  constructor(private readonly keyOf: (object: T) => string = objectKey) {}

  /** Adds a named index; objects already cached are indexed at once. */
  addIndexer(name: string, indexFunc: IndexFunc<T>): void {
    if (this.indexers.has(name)) throw new Error(`indexer ${name} already exists`);
    this.indexers.set(name, indexFunc);
    this.indices.set(name, new Map());
    for (const [key, object] of this.items) this.indexOne(name, key, object);
  }

  /** Objects whose index `name` yields `value`. Throws for an unknown index, a programming error. */
  byIndex(name: string, value: string): T[] {
    const index = this.indices.get(name);
    if (!index) throw new Error(`indexer ${name} does not exist`);
    const keys = index.get(value) ?? new Set<string>();
    return [...keys].map((key) => this.items.get(key)).filter((object) => object !== undefined);
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  list(): T[] {
    return [...this.items.values()];
  }

  listKeys(): string[] {
    return [...this.items.keys()];
  }

  get size(): number {
    return this.items.size;
  }

  /** A shallow copy of the cache, used to compare before and after a relist. */
  snapshot(): Map<string, T> {
    return new Map(this.items);
  }

  /** Adds or replaces an object; returns the one it replaced. */
  upsert(object: T): T | undefined {
    const key = this.keyOf(object);
    const previous = this.items.get(key);
    if (previous) this.unindex(key, previous);
    this.items.set(key, object);
    this.index(key, object);
    return previous;
  }

  /** Removes the object with this key; returns it. */
  delete(key: string): T | undefined {
    const previous = this.items.get(key);
    if (!previous) return undefined;
    this.unindex(key, previous);
    this.items.delete(key);
    return previous;
  }

  /** Replaces the whole content, as after a relist. */
  replace(objects: T[]): void {
    this.items.clear();
    for (const index of this.indices.values()) index.clear();
    for (const object of objects) this.upsert(object);
  }

  key(object: T): string {
    return this.keyOf(object);
  }

  private index(key: string, object: T): void {
    for (const name of this.indexers.keys()) this.indexOne(name, key, object);
  }

  private indexOne(name: string, key: string, object: T): void {
    const index = this.indices.get(name);
    const indexFunc = this.indexers.get(name);
    if (!index || !indexFunc) return;
    for (const value of indexFunc(object)) {
      const keys = index.get(value) ?? new Set<string>();
      keys.add(key);
      index.set(value, keys);
    }
  }

  private unindex(key: string, object: T): void {
    for (const [name, indexFunc] of this.indexers) {
      const index = this.indices.get(name);
      for (const value of indexFunc(object)) {
        const keys = index?.get(value);
        keys?.delete(key);
        if (keys?.size === 0) index?.delete(value);
      }
    }
  }
}
