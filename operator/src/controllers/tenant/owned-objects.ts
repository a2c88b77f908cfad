/**
 * The caches of the kinds Bulkhead creates for tenants, and "ensure" operations on top of them:
 * apply an object only when its cached copy lacks something we want (so a steady state writes
 * nothing), and delete the ones a step no longer wants. Secrets are not cached: the operator may
 * read them only inside the namespaces it binds itself in, so it cannot watch them cluster-wide
 * (docs/decisions/0014); a Secret is read with a GET when needed.
 */
import { fieldManager, tenantLabel } from '../../api/labels.js';
import type { KubeClient } from '../../kube/client.js';
import { isSubset } from '../../kube/semantic.js';
import { hasForeignAdditions, replacementOf } from './foreign-changes.js';
import { withoutStatus, type CacheTransform } from '../../runtime/cache-transforms.js';
import type { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import { ReleasedAccess } from './released-access.js';
import { objectKey, type KubeObject } from '../../runtime/types.js';

export type OwnedKind =
  | 'Namespace'
  | 'ResourceQuota'
  | 'LimitRange'
  | 'NetworkPolicy'
  | 'RoleBinding'
  | 'Deployment'
  | 'Service'
  | 'ServiceAccount'
  | 'ConfigMap';

/**
 * The kinds watched (filtered by Bulkhead's label) so that drift is seen: the guardrails, and the
 * kinds the product chart renders. A chart kind outside this list is still applied and pruned,
 * but compared with a GET instead of the cache.
 */
export const ownedKinds: Record<OwnedKind, { apiVersion: string; namespaced: boolean }> = {
  Namespace: { apiVersion: 'v1', namespaced: false },
  ResourceQuota: { apiVersion: 'v1', namespaced: true },
  LimitRange: { apiVersion: 'v1', namespaced: true },
  NetworkPolicy: { apiVersion: 'networking.k8s.io/v1', namespaced: true },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
  Deployment: { apiVersion: 'apps/v1', namespaced: true },
  Service: { apiVersion: 'v1', namespaced: true },
  ServiceAccount: { apiVersion: 'v1', namespaced: true },
  ConfigMap: { apiVersion: 'v1', namespaced: true },
};

/**
 * What the cache drops of each owned kind besides managedFields (which every informer drops): the
 * status of the kinds Bulkhead builds itself and no step reads. No builder writes a status, so the
 * subset check never looks for one. Deployment keeps its status (app.ts judges its rollout from
 * it); Namespace keeps its own (operator-access.ts releases the operator's binding only when the
 * terminating namespace's NamespaceFinalizersRemaining condition names that binding's finalizer
 * alone); the chart's other kinds keep theirs, since a chart may render a status the check compares.
 */
export const ownedCacheTransforms: Partial<Record<OwnedKind, CacheTransform<KubeObject>>> = {
  ResourceQuota: withoutStatus,
};

const isOwnedKind = (kind: string | undefined): kind is OwnedKind => kind !== undefined && kind in ownedKinds;

export class OwnedObjects {
  constructor(
    private readonly informers: Record<OwnedKind, Informer<KubeObject>>,
    private readonly client: KubeClient,
    /** What the RoleBinding cache may not show yet: the operator's bindings this process released. */
    readonly releasedAccess = new ReleasedAccess(),
  ) {}

  /** The same caches (and what they may not show yet), writing with a client whose requests stop when `signal` aborts. */
  withSignal(signal: AbortSignal): OwnedObjects {
    return new OwnedObjects(this.informers, this.client.withSignal(signal), this.releasedAccess);
  }

  cached(kind: OwnedKind, key: string): KubeObject | undefined {
    return this.informers[kind].store.get(key);
  }

  /** Cached objects of a kind labelled for the tenant (optionally in one namespace). */
  ofTenant(kind: OwnedKind, tenant: string): KubeObject[] {
    return this.informers[kind].store.list().filter((object) => object.metadata.labels?.[tenantLabel] === tenant);
  }

  /** Cached objects of every watched kind carrying `label: value` in `namespace` (a shared release's objects). */
  withLabel(label: string, value: string, namespace: string, kinds = Object.keys(ownedKinds) as OwnedKind[]): KubeObject[] {
    return kinds.flatMap((kind) =>
      this.informers[kind].store
        .list()
        .filter((object) => object.metadata.namespace === namespace && object.metadata.labels?.[label] === value)
        .map((object) => ({ ...object, apiVersion: ownedKinds[kind].apiVersion, kind })),
    );
  }

  /** The live copy of an object: from the cache for watched kinds, else with a GET. */
  async live(object: KubeObject): Promise<KubeObject | undefined> {
    if (isOwnedKind(object.kind)) return this.cached(object.kind, objectKey(object));
    return this.client.get({
      apiVersion: object.apiVersion ?? '',
      kind: object.kind ?? '',
      name: object.metadata.name,
      namespace: object.metadata.namespace,
    });
  }

  /**
   * Applies `desired` unless its live copy already holds it. Returns whether it wrote. A caller
   * that has just read the live copy (a Secret, with a GET) passes it, or null when there is none.
   */
  async ensure(desired: KubeObject, logger: Logger, known?: KubeObject | null): Promise<boolean> {
    const live = known === undefined ? await this.live(desired) : known;
    if (live && hasForeignAdditions(desired, live)) {
      // Apply cannot take away what another manager added: put the whole object back as built.
      await this.client.replace(replacementOf(desired, live), { fieldManager });
      logger.info(`Replaced ${desired.kind} someone else had added to`, {
        name: desired.metadata.name,
        namespace: desired.metadata.namespace,
      });
      return true;
    }
    if (live && isSubset(desired, live)) return false;
    await this.client.apply(desired, { fieldManager, force: true });
    logger.info(`Applied ${desired.kind}`, { name: desired.metadata.name, namespace: desired.metadata.namespace });
    return true;
  }

  /** Deletes the tenant's objects of `kind` in `namespace` whose names are not in `keep`. */
  async prune(kind: OwnedKind, tenant: string, keep: Set<string>, logger: Logger): Promise<number> {
    let deleted = 0;
    for (const object of this.ofTenant(kind, tenant)) {
      if (keep.has(object.metadata.name)) continue;
      await this.client.delete(
        { ...ownedKinds[kind], kind, name: object.metadata.name, namespace: object.metadata.namespace },
        { uid: object.metadata.uid },
      );
      logger.info(`Deleted ${kind}`, { name: object.metadata.name, namespace: object.metadata.namespace });
      deleted++;
    }
    return deleted;
  }
}
