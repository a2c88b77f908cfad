/** Naming the Kubernetes objects an audit part read, so the report says exactly which state it judged. */
import type { KubeObject } from '../../runtime/types.js';
import type { InputObject } from '../model.js';

/** The object as an InputObject: kind, name, and the uid and resourceVersion that pin its state. */
export function inputOf(object: KubeObject): InputObject {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    name: object.metadata.name,
    uid: object.metadata.uid ?? '',
    resourceVersion: object.metadata.resourceVersion ?? '',
  };
}

/** The objects that exist among `objects`, as InputObjects. */
export function inputsOf(objects: readonly (KubeObject | undefined)[]): InputObject[] {
  return objects.filter((object): object is KubeObject => object !== undefined).map(inputOf);
}

/** `inputs` without repeats (the same object read for several tenants or regions). */
export function uniqueInputs(inputs: readonly InputObject[]): InputObject[] {
  const seen = new Set<string>();
  return inputs.filter((input) => {
    const key = `${input.uid}@${input.resourceVersion}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
