/**
 * Reading the cluster for the audit: every object of a kind (all pages), and each object's identity
 * (uid and resourceVersion) so the report can name exactly the state it judged.
 */
import type { KubeClient, ListOptions } from '../kube/client.js';
import type { KubeObject } from '../runtime/types.js';
import type { InputObject } from './model.js';

const pageSize = 500;

export async function listAll<T extends KubeObject>(client: KubeClient, apiVersion: string, kind: string, options: ListOptions = {}): Promise<T[]> {
  const items: T[] = [];
  let next: string | undefined;
  do {
    const page = await client.list<T>(apiVersion, kind, { ...options, limit: pageSize, ...(next ? { continue: next } : {}) });
    items.push(...page.items);
    next = page.continue;
  } while (next);
  return items;
}

export function inputObject(object: KubeObject): InputObject {
  return {
    apiVersion: object.apiVersion ?? '',
    kind: object.kind ?? '',
    ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
    name: object.metadata.name ?? '',
    uid: object.metadata.uid ?? '',
    resourceVersion: object.metadata.resourceVersion ?? '',
  };
}
