/**
 * Which URL serves a kind: the resource's plural and whether it is namespaced, found by discovery
 * (GET /api/v1, /apis/<group>/<version>) once per group version and cached.
 */
import type { Transport } from './transport.js';

export interface ResourceType {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
}

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

interface APIResourceList {
  resources: { name: string; kind: string; namespaced: boolean }[];
}

interface APIGroup {
  preferredVersion?: { groupVersion: string };
}

export class ResourceTypes {
  private readonly byGroupVersion = new Map<string, Promise<Map<string, ResourceType>>>();

  constructor(private readonly transport: Transport) {}

  async resolve(apiVersion: string, kind: string): Promise<ResourceType> {
    const type = (await this.typesOf(apiVersion)).get(kind);
    if (!type) {
      this.byGroupVersion.delete(apiVersion);
      throw new Error(`the server does not serve kind ${kind} in ${apiVersion}`);
    }
    return type;
  }

  /** A resource as RBAC names it (API group and plural), in the group's preferred version. */
  async resolveResource(group: string, resource: string): Promise<ResourceType> {
    const apiVersion = group === '' ? 'v1' : await this.preferredVersion(group);
    const type = [...(await this.typesOf(apiVersion)).values()].find((candidate) => candidate.plural === resource);
    if (!type) throw new Error(`the server does not serve resource ${resource} in ${apiVersion}`);
    return type;
  }

  private typesOf(apiVersion: string): Promise<Map<string, ResourceType>> {
    let pending = this.byGroupVersion.get(apiVersion);
    if (!pending) {
      pending = this.discover(apiVersion);
      this.byGroupVersion.set(apiVersion, pending);
      // A failed discovery (say, a CRD not installed yet) must be retried next time.
      pending.catch(() => this.byGroupVersion.delete(apiVersion));
    }
    return pending;
  }

  private async preferredVersion(group: string): Promise<string> {
    const found = await this.transport.json<APIGroup>({ method: 'GET', path: `/apis/${group}` });
    if (!found.preferredVersion) throw new Error(`the server names no preferred version for API group ${group}`);
    return found.preferredVersion.groupVersion;
  }

  private async discover(apiVersion: string): Promise<Map<string, ResourceType>> {
    const list = await this.transport.json<APIResourceList>({ method: 'GET', path: groupVersionPath(apiVersion) });
    const types = new Map<string, ResourceType>();
    for (const r of list.resources) {
      if (!r.name.includes('/')) types.set(r.kind, { apiVersion, kind: r.kind, plural: r.name, namespaced: r.namespaced });
    }
    return types;
  }
}

export function groupVersionPath(apiVersion: string): string {
  return apiVersion.includes('/') ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/** The collection path (no name) or object path (with name) of a resource, optionally a subresource. */
export function resourcePath(type: ResourceType, namespace?: string, name?: string, subresource?: string): string {
  let path = groupVersionPath(type.apiVersion);
  if (type.namespaced && namespace) path += `/namespaces/${encodeURIComponent(namespace)}`;
  path += `/${type.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource) path += `/${subresource}`;
  return path;
}
