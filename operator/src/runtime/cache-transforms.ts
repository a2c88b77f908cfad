/**
 * What an informer's cache keeps of each object, after controller-runtime's cache.TransformFunc
 * and TransformStripManagedFields: the transform runs before an object enters the store or reaches
 * an event handler, so a field nobody reads costs no memory for as long as the object is cached.
 * metadata.managedFields (every field's owner, per manager, often the largest part of an object)
 * are always dropped; a controller drops more for the kinds whose readers it knows
 * (docs/decisions/0022). New objects are made rather than fields deleted, so V8 keeps them in its
 * compact fast-property form.
 */
import type { KubeObject } from './types.js';

/** Shapes one object as the cache keeps it; must not modify its argument. */
export type CacheTransform<T extends KubeObject> = (object: T) => T;

export function withoutManagedFields<T extends KubeObject>(object: T): T {
  if (!('managedFields' in object.metadata)) return object;
  const { managedFields: _managedFields, ...metadata } = object.metadata as T['metadata'] & { managedFields?: unknown };
  return { ...object, metadata };
}

/** For kinds whose status no reader looks at. */
export function withoutStatus<T extends KubeObject>(object: T): T {
  if (!('status' in object)) return object;
  const { status: _status, ...rest } = object as T & { status?: unknown };
  return rest as T;
}

/** managedFields dropped, then `more` applied. */
export function cacheTransform<T extends KubeObject>(more?: CacheTransform<T>): CacheTransform<T> {
  return more ? (object) => more(withoutManagedFields(object)) : withoutManagedFields;
}
