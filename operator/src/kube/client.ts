/**
 * KubeClient: the operator's one way to talk to kube-apiserver. Reads, lists, watches, and writes
 * through server-side apply under a named field manager (the only write path for owned objects,
 * so that repeated applies of an unchanged object are no-ops on the server). withSignal() gives a
 * view whose requests abort with a reconcile (and so with leadership); deleting a Namespace takes
 * the leadership fence.
 */
import { createInterface } from 'node:readline';
import { destructive, type LeadershipFence } from '../runtime/fence.js';
import type { KubeObject, ListPage, Status, WatchEvent } from '../runtime/types.js';
import { isNotFound } from './errors.js';
import { ResourceTypes, resourcePath, type ObjectRef, type ResourceType } from './resource-types.js';
import { loadClusterAccess } from './cluster-access.js';
import { Transport, type RequestObserver, type RequestSpec } from './transport.js';

export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  limit?: number;
  continue?: string;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion: string;
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

export interface ApplyOptions {
  fieldManager: string;
  /** Take ownership of fields another manager set (the operator is the source of truth for its objects). */
  force?: boolean;
  dryRun?: boolean;
}

export interface DeleteOptions {
  propagationPolicy?: 'Foreground' | 'Background' | 'Orphan';
  /** Delete only this incarnation of the object (guards against deleting a recreated namesake). */
  uid?: string;
  /** Confirms leadership just before the request; required to delete a Namespace (everything in it goes). */
  fence?: LeadershipFence;
}

/** Kinds whose deletion destroys more than the object itself, so deleting one needs the leadership fence. */
const fencedKinds = new Set(['Namespace']);

const applyPatch = 'application/apply-patch+yaml';

/** Told of every object a write returned (its new resourceVersion), e.g. to recognise the write's watch event (runtime/own-writes.ts). */
export type WriteObserver = (written: KubeObject) => void;

export class KubeClient {
  readonly types: ResourceTypes;

  /**
   * Public so that other clients of the same server (access reviews) share its connections and
   * metrics. `signal`, when given, aborts every request this client sends (see withSignal).
   */
  constructor(
    readonly transport: Transport,
    types?: ResourceTypes,
    private readonly signal?: AbortSignal,
    private readonly onWrite?: WriteObserver,
  ) {
    this.types = types ?? new ResourceTypes(transport);
  }

  /** The same client with every request tied to `signal`; it shares connections, so close the original only. */
  withSignal(signal: AbortSignal): KubeClient {
    return new KubeClient(this.transport, this.types, signal, this.onWrite);
  }

  /** The same client, telling `observer` what each of its writes (apply, create, replace, merge patch) returned; dry runs excepted. */
  observingWrites(observer: WriteObserver): KubeClient {
    return new KubeClient(this.transport, this.types, this.signal, observer);
  }

  /** From a kubeconfig file (its current context, or `context`), else ~/.kube/config, else the pod's ServiceAccount (cluster-access.ts). */
  static load(kubeconfigPath?: string, observe?: RequestObserver, context?: string): KubeClient {
    return new KubeClient(new Transport(loadClusterAccess(kubeconfigPath, context), observe));
  }

  async get<T extends KubeObject>(ref: ObjectRef): Promise<T | undefined> {
    const type = await this.types.resolve(ref.apiVersion, ref.kind);
    try {
      return await this.send<T>({ method: 'GET', path: resourcePath(type, ref.namespace, ref.name) });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async list<T extends KubeObject>(apiVersion: string, kind: string, options: ListOptions = {}): Promise<ListPage<T>> {
    return this.listType<T>(await this.types.resolve(apiVersion, kind), options);
  }

  /** Lists a resource named as RBAC names it (API group and plural), e.g. ('apps', 'deployments'). */
  async listResource<T extends KubeObject>(group: string, resource: string, options: ListOptions = {}): Promise<ListPage<T>> {
    return this.listType<T>(await this.types.resolveResource(group, resource), options);
  }

  private async listType<T extends KubeObject>(type: ResourceType, options: ListOptions): Promise<ListPage<T>> {
    const { namespace, ...query } = options;
    const list = await this.send<{ items: T[]; metadata: { resourceVersion: string; continue?: string } }>({
      method: 'GET',
      path: resourcePath(type, namespace),
      query: { ...query },
    });
    // Lists do not carry apiVersion/kind on their items; put them back so items are self-describing.
    const items = list.items.map((item) => ({ ...item, apiVersion: type.apiVersion, kind: type.kind }));
    return { items, resourceVersion: list.metadata.resourceVersion, continue: list.metadata.continue || undefined };
  }

  async apply<T extends KubeObject>(object: KubeObject, options: ApplyOptions): Promise<T> {
    return this.patchApply<T>(object, options);
  }

  async applyStatus<T extends KubeObject>(object: KubeObject, options: ApplyOptions): Promise<T> {
    return this.patchApply<T>(object, options, 'status');
  }

  private async patchApply<T extends KubeObject>(object: KubeObject, options: ApplyOptions, subresource?: string): Promise<T> {
    const apiVersion = object.apiVersion ?? '';
    const type = await this.types.resolve(apiVersion, object.kind ?? '');
    const spec: RequestSpec = {
      method: 'PATCH',
      path: resourcePath(type, object.metadata.namespace, object.metadata.name, subresource),
      query: { fieldManager: options.fieldManager, force: options.force ?? true, dryRun: options.dryRun ? 'All' : undefined },
      body: object,
      contentType: applyPatch,
    };
    return options.dryRun ? this.send<T>(spec) : this.sendWrite<T>(spec);
  }

  async create<T extends KubeObject>(object: KubeObject, options: { fieldManager: string }): Promise<T> {
    const type = await this.types.resolve(object.apiVersion ?? '', object.kind ?? '');
    return this.sendWrite<T>({
      method: 'POST',
      path: resourcePath(type, object.metadata.namespace),
      query: { fieldManager: options.fieldManager },
      body: object,
    });
  }

  /** PUT with the object's resourceVersion: fails with 409 if anyone wrote since it was read. */
  async replace<T extends KubeObject>(object: KubeObject, options: { fieldManager: string }): Promise<T> {
    const type = await this.types.resolve(object.apiVersion ?? '', object.kind ?? '');
    return this.sendWrite<T>({
      method: 'PUT',
      path: resourcePath(type, object.metadata.namespace, object.metadata.name),
      query: { fieldManager: options.fieldManager },
      body: object,
    });
  }

  /** JSON merge patch; for the few writes that must not take field ownership (e.g. a user's annotation). */
  async mergePatch<T extends KubeObject>(ref: ObjectRef, patch: unknown, options: { fieldManager: string }): Promise<T> {
    const type = await this.types.resolve(ref.apiVersion, ref.kind);
    return this.sendWrite<T>({
      method: 'PATCH',
      path: resourcePath(type, ref.namespace, ref.name),
      query: { fieldManager: options.fieldManager },
      body: patch,
      contentType: 'application/merge-patch+json',
    });
  }

  /** Deletes an object; false when it was already gone. Behind `options.fence` when given (required for a Namespace). */
  async delete(ref: ObjectRef, options: DeleteOptions = {}): Promise<boolean> {
    const { fence } = options;
    if (fencedKinds.has(ref.kind) && !fence) throw new Error(`deleting ${ref.kind} ${ref.name} needs the leadership fence`);
    const send = (): Promise<boolean> => this.sendDelete(ref, options);
    return fence ? destructive(fence, `deleting ${ref.kind} ${ref.name}`, send) : send();
  }

  private async sendDelete(ref: ObjectRef, options: DeleteOptions): Promise<boolean> {
    const type = await this.types.resolve(ref.apiVersion, ref.kind);
    const body = {
      apiVersion: 'v1',
      kind: 'DeleteOptions',
      propagationPolicy: options.propagationPolicy ?? 'Background',
      ...(options.uid ? { preconditions: { uid: options.uid } } : {}),
    };
    try {
      await this.send({ method: 'DELETE', path: resourcePath(type, ref.namespace, ref.name), body });
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** One request, tied to this client's signal. */
  private send<T>(spec: RequestSpec): Promise<T> {
    return this.transport.json<T>(this.signal ? { ...spec, signal: this.signal } : spec);
  }

  /** A write whose answer (the object as written) is told to the write observer. */
  private async sendWrite<T>(spec: RequestSpec): Promise<T> {
    const written = await this.send<T>(spec);
    this.onWrite?.(written as KubeObject);
    return written;
  }

  /** Streams watch events until the server closes the watch (resolves) or it fails (rejects). */
  async watch<T extends KubeObject>(
    { apiVersion, kind, ...options }: WatchOptions & { apiVersion: string; kind: string },
    onEvent: (event: WatchEvent<T>) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const type = await this.types.resolve(apiVersion, kind);
    const { namespace, ...query } = options;
    const response = await this.transport.stream({
      method: 'GET',
      path: resourcePath(type, namespace),
      signal,
      query: { ...query, watch: true },
      // The server ends the watch after timeoutSeconds; allow it a little longer to say so.
      timeoutMs: ((options.timeoutSeconds ?? 300) + 30) * 1000,
    });
    const lines = createInterface({ input: response, crlfDelay: Infinity });
    try {
      for await (const line of lines) {
        if (!line) continue;
        const raw = JSON.parse(line) as { type: string; object: T & Status };
        // The server sends a failed watch as an ERROR event whose object is a Status.
        onEvent(
          raw.type === 'ERROR'
            ? { type: 'ERROR', status: raw.object }
            : { type: raw.type as 'ADDED', object: { ...raw.object, apiVersion, kind } },
        );
      }
    } catch (error) {
      if (!signal.aborted) throw error;
    } finally {
      response.destroy();
    }
  }

  close(): void {
    this.transport.close();
  }
}
