/**
 * The inventory of a release: which objects Bulkhead applied for it, so that objects a new chart
 * version no longer renders can be pruned. The tenant controller stores it; this file only
 * computes and encodes it.
 *
 * Format: one key per object, `<apiVersion>/<kind>/<namespace>/<name>` — for example
 * `v1/ConfigMap/tenant-acme/tenant-acme-config` or `apps/v1/Deployment/tenant-acme/tenant-acme`
 * — sorted, without duplicates, stored as a JSON array of strings (encodeInventory). A key carries
 * everything needed to delete the object; names and namespaces cannot contain `/`, so the last
 * three segments are always kind, namespace and name.
 *
 * Size: a key is ~60 bytes, so a few hundred objects fit easily in an annotation, but Kubernetes
 * limits the *sum* of an object's annotations to 256 KiB (inventoryAnnotationLimitBytes); a
 * release of thousands of objects belongs in a ConfigMap (1 MiB) instead.
 *
 * Order of operations for the controller: apply the new objects, delete planPrune's keys, and only
 * then store the new inventory; a crash in between leaves the old inventory, so the next reconcile
 * prunes again instead of forgetting what to prune.
 */
import type { KubeObject } from '../../runtime/types.js';
import { errorMessage } from '../../runtime/errors.js';

/** Kubernetes' limit on the total size of one object's annotations (keys and values). */
export const inventoryAnnotationLimitBytes = 256 * 1024;

export interface InventoryEntry {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

/** The group of an apiVersion: `apps` for `apps/v1`, `` for the core group's `v1`. */
export function apiGroup(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** The inventory key of an object; its namespace must be set (validation sets it). */
export function inventoryKey(object: KubeObject): string {
  return [object.apiVersion ?? '', object.kind ?? '', object.metadata.namespace ?? '', object.metadata.name].join('/');
}

/** The sorted, de-duplicated keys of the objects. */
export function inventoryOf(objects: readonly KubeObject[]): string[] {
  return [...new Set(objects.map(inventoryKey))].sort();
}

/** The parts of a key, or undefined when it is not one. */
export function parseInventoryKey(key: string): InventoryEntry | undefined {
  const parts = key.split('/');
  if (parts.length !== 4 && parts.length !== 5) return undefined;
  const [name, namespace, kind] = [parts.pop(), parts.pop(), parts.pop()];
  const apiVersion = parts.join('/');
  if (!name || !kind || !apiVersion || namespace === undefined) return undefined;
  return { apiVersion, kind, namespace, name };
}

/**
 * Who an object is, apart from its version: `group/kind/namespace/name`. A chart that moves a
 * kind to a new apiVersion (autoscaling/v2beta2 to autoscaling/v2) still renders the same object,
 * which must not be pruned.
 */
export function objectIdentity(object: KubeObject | InventoryEntry): string {
  const entry =
    'metadata' in object
      ? {
          apiVersion: object.apiVersion ?? '',
          kind: object.kind ?? '',
          namespace: object.metadata.namespace ?? '',
          name: object.metadata.name,
        }
      : object;
  return [apiGroup(entry.apiVersion), entry.kind, entry.namespace, entry.name].join('/');
}

export interface PruneOptions {
  /** The tenant's namespace: nothing outside it is ever pruned, whatever the stored inventory says. */
  namespace: string;
}

/**
 * The keys of the previous inventory that the current objects no longer include, sorted. Keys
 * that do not parse, or that name another namespace or no namespace, are never returned: the
 * stored inventory is data anyone with write access to its holder can edit.
 */
export function planPrune(previousInventory: readonly string[], currentObjects: readonly KubeObject[], options: PruneOptions): string[] {
  const current = new Set(currentObjects.map(objectIdentity));
  const prune = previousInventory.filter((key) => {
    const entry = parseInventoryKey(key);
    return entry !== undefined && entry.namespace === options.namespace && !current.has(objectIdentity(entry));
  });
  return [...new Set(prune)].sort();
}

/** The stored form: a JSON array of the sorted keys. */
export function encodeInventory(keys: readonly string[]): string {
  return JSON.stringify([...new Set(keys)].sort());
}

/** Reads encodeInventory's output; throws when it is not an array of keys (never guesses). */
export function decodeInventory(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`the stored release inventory is not JSON: ${errorMessage(error)}`, { cause: error });
  }
  if (!Array.isArray(value) || !value.every((key) => typeof key === 'string' && parseInventoryKey(key))) {
    throw new Error('the stored release inventory is not a JSON array of apiVersion/kind/namespace/name keys');
  }
  return value as string[];
}
