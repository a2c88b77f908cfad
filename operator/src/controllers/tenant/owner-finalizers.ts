/**
 * Owners' finalizers in a terminating tenant namespace. An owner may put a finalizer of their own
 * on anything the tenant-owner role lets them write; once the namespace is deleted nothing of
 * theirs removes it (whatever controller they had is gone with the namespace), so the namespace
 * would stay Terminating, and the Tenant with it, forever. While the namespace is Terminating,
 * the operator removes every finalizer that is not Kubernetes' own from the objects already being
 * deleted (never from live ones), behind the leadership fence, and records each removal in an
 * Event on the Tenant.
 *
 * It looks on every pass rather than waiting for the namespace's NamespaceFinalizersRemaining
 * condition: the namespace controller deletes pods first and waits for them to be gone before it
 * deletes anything else, and while it waits it reports no condition at all (Kubernetes 1.36), so a
 * pod held by a finalizer would never be reported.
 */
import { fieldManager } from '../../api/labels.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import { tenantOwnerRules, type PolicyRule } from '../../resources/tenant-owner-role.js';
import { destructive, type LeadershipFence } from '../../runtime/fence.js';
import { errorFields, type Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';

export interface OwnerFinalizerDeps {
  client: KubeClient;
  events: EventRecorder;
  fence: LeadershipFence;
}

/** A resource as RBAC names it. */
export interface GroupResource {
  group: string;
  resource: string;
}

/**
 * Finalizers Kubernetes itself sets and removes (garbage collection's orphan and foregroundDeletion,
 * and any under kubernetes.io or k8s.io, e.g. kubernetes.io/pvc-protection,
 * batch.kubernetes.io/job-tracking): left alone, their controllers finish them.
 */
export function isKubernetesFinalizer(finalizer: string): boolean {
  if (finalizer === 'orphan' || finalizer === 'foregroundDeletion') return true;
  const domain = finalizer.includes('/') ? finalizer.slice(0, finalizer.indexOf('/')) : '';
  return ['kubernetes.io', 'k8s.io'].some((own) => domain === own || domain.endsWith(`.${own}`));
}

/** The finalizers on an object being deleted that nobody but the owner would remove; none on a live object. */
export function ownerFinalizers(object: KubeObject): string[] {
  if (!object.metadata.deletionTimestamp) return [];
  return (object.metadata.finalizers ?? []).filter((finalizer) => !isKubernetesFinalizer(finalizer));
}

/** The resources (no subresources) owners may create or change, and so put a finalizer on. */
export function ownerWritableResources(rules: readonly PolicyRule[] = tenantOwnerRules): GroupResource[] {
  const writes = ['create', 'update', 'patch'];
  return rules
    .filter((rule) => rule.verbs.some((verb) => writes.includes(verb)))
    .flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.filter((resource) => !resource.includes('/')).map((resource) => ({ group, resource })),
      ),
    );
}

/** Removes owners' finalizers from the namespace's objects being deleted; returns how many objects it changed. */
export async function releaseOwnerFinalizers(
  deps: OwnerFinalizerDeps,
  tenant: Tenant,
  namespace: KubeObject,
  logger: Logger,
): Promise<number> {
  if (!namespace.metadata.deletionTimestamp) return 0;
  let released = 0;
  for (const type of ownerWritableResources()) {
    for (const object of await listBeingDeleted(deps.client, type, namespace.metadata.name, logger)) {
      if (await removeOwnerFinalizers(deps, tenant, object, logger)) released++;
    }
  }
  return released;
}

async function listBeingDeleted(client: KubeClient, type: GroupResource, namespace: string, logger: Logger): Promise<KubeObject[]> {
  try {
    return (await client.listResource(type.group, type.resource, { namespace })).items;
  } catch (error) {
    // A kind the cluster does not serve (an optional API) holds nothing; anything else is retried.
    if (!/does not serve|no preferred version/.test(errorFields(error).error)) throw error;
    logger.debug('Skipped a resource the server does not serve', { ...type });
    return [];
  }
}

async function removeOwnerFinalizers(deps: OwnerFinalizerDeps, tenant: Tenant, object: KubeObject, logger: Logger): Promise<boolean> {
  const removed = ownerFinalizers(object);
  if (removed.length === 0) return false;
  const { name, namespace } = object.metadata;
  const what = `${object.kind} ${namespace}/${name}`;
  const finalizers = (object.metadata.finalizers ?? []).filter((finalizer) => !removed.includes(finalizer));
  // With the resourceVersion read, so a finalizer added meanwhile is not lost unseen: the patch fails and is retried.
  await destructive(deps.fence, `removing finalizers from ${what}`, () =>
    deps.client.mergePatch(
      { apiVersion: object.apiVersion ?? '', kind: object.kind ?? '', name, namespace },
      { metadata: { finalizers, resourceVersion: object.metadata.resourceVersion } },
      { fieldManager },
    ),
  );
  const message =
    `Removed finalizer${removed.length > 1 ? 's' : ''} ${removed.join(', ')} from ${what}: ` +
    'the tenant namespace is being deleted and nothing else would remove them';
  logger.info(message, { tenant: tenant.metadata.name, kind: object.kind, namespace, name, finalizers: removed });
  await deps.events.record(tenant, 'Warning', 'OwnerFinalizersRemoved', message).catch(() => undefined);
  return true;
}
