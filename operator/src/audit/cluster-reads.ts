/**
 * Reading the cluster for the audit: every object of a kind (all pages), and each object's identity
 * (uid and resourceVersion) so the report can name exactly the state it judged. A ClusterReader
 * lists each kind at most once per run, so the parts that judge the same objects (the network
 * analysis and the authorship of NetworkPolicies, say) see the same state and cost one request.
 */
import { isNotFound, KubeApiError } from '../kube/errors.js';
import type { KubeClient, ListOptions } from '../kube/client.js';
import type { KubeObject } from '../runtime/types.js';
import type { InputObject } from './model.js';

const pageSize = 500;

export async function listAll<T extends KubeObject>(
  client: KubeClient,
  apiVersion: string,
  kind: string,
  options: ListOptions = {},
): Promise<T[]> {
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

export class ClusterReader {
  private readonly lists = new Map<string, Promise<KubeObject[]>>();

  constructor(readonly client: KubeClient) {}

  /** Every object of the kind in every namespace, read once per reader. */
  list<T extends KubeObject>(apiVersion: string, kind: string): Promise<T[]> {
    const key = `${apiVersion}/${kind}`;
    let pending = this.lists.get(key);
    if (!pending) {
      pending = listAll(this.client, apiVersion, kind);
      this.lists.set(key, pending);
    }
    return pending as Promise<T[]>;
  }

  /** Whether the cluster serves the kind at all (an optional API such as Gateway API's routes). */
  async serves(apiVersion: string, kind: string): Promise<boolean> {
    try {
      await this.client.types.resolve(apiVersion, kind);
      return true;
    } catch (error) {
      // Discovery answers 404 for a group version nobody serves; a served group without the kind is "does not serve kind".
      if (error instanceof KubeApiError) {
        if (isNotFound(error)) return false;
        throw error;
      }
      if (error instanceof Error && error.message.startsWith('the server does not serve kind')) return false;
      throw error;
    }
  }
}
