/**
 * The caches of the kinds Bulkhead creates for tenants, and "ensure" operations on top of them:
 * apply an object only when its cached copy lacks something we want (so a steady state writes
 * nothing), and delete the ones a step no longer wants.
 */
import { fieldManager, tenantLabel } from '../../api/labels.js';
import type { KubeClient } from '../../kube/client.js';
import { isSubset } from '../../kube/semantic.js';
import type { Informer } from '../../runtime/informer.js';
import type { Logger } from '../../runtime/logging.js';
import { objectKey, type KubeObject } from '../../runtime/types.js';

export type OwnedKind = 'Namespace' | 'ResourceQuota' | 'LimitRange' | 'NetworkPolicy' | 'RoleBinding';

export const ownedKinds: Record<OwnedKind, { apiVersion: string; namespaced: boolean }> = {
  Namespace: { apiVersion: 'v1', namespaced: false },
  ResourceQuota: { apiVersion: 'v1', namespaced: true },
  LimitRange: { apiVersion: 'v1', namespaced: true },
  NetworkPolicy: { apiVersion: 'networking.k8s.io/v1', namespaced: true },
  RoleBinding: { apiVersion: 'rbac.authorization.k8s.io/v1', namespaced: true },
};

export class OwnedObjects {
  constructor(
    private readonly informers: Record<OwnedKind, Informer<KubeObject>>,
    private readonly client: KubeClient,
  ) {}

  cached(kind: OwnedKind, key: string): KubeObject | undefined {
    return this.informers[kind].store.get(key);
  }

  /** Cached objects of a kind labelled for the tenant (optionally in one namespace). */
  ofTenant(kind: OwnedKind, tenant: string): KubeObject[] {
    return this.informers[kind].store.list().filter((object) => object.metadata.labels?.[tenantLabel] === tenant);
  }

  /** Applies `desired` unless the cache shows it already in place. Returns whether it wrote. */
  async ensure(desired: KubeObject, logger: Logger): Promise<boolean> {
    const kind = desired.kind as OwnedKind;
    const live = this.cached(kind, objectKey(desired));
    if (live && isSubset(desired, live)) return false;
    await this.client.apply(desired, { fieldManager, force: true });
    logger.info(`Applied ${kind}`, { name: desired.metadata.name, namespace: desired.metadata.namespace });
    return true;
  }

  /** Deletes the tenant's objects of `kind` in `namespace` whose names are not in `keep`. */
  async prune(kind: OwnedKind, tenant: string, keep: Set<string>, logger: Logger): Promise<number> {
    let deleted = 0;
    for (const object of this.ofTenant(kind, tenant)) {
      if (keep.has(object.metadata.name)) continue;
      await this.client.delete({ ...ownedKinds[kind], kind, name: object.metadata.name, namespace: object.metadata.namespace },
        { uid: object.metadata.uid });
      logger.info(`Deleted ${kind}`, { name: object.metadata.name, namespace: object.metadata.namespace });
      deleted++;
    }
    return deleted;
  }
}
