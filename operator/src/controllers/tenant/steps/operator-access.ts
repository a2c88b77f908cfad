/**
 * Step, right after the namespace and before anything else in it: the operator's own RoleBinding
 * there, to the fixed ClusterRole the chart installs. The operator holds no write and no Secret
 * read in a namespace until this binding exists, so NamespaceReady is True only once kube-apiserver
 * honours it (a new binding takes a moment to reach the authorizer's cache; a write sent sooner
 * would be refused). While the namespace terminates, the binding is kept (by its finalizer) until
 * nothing but it is left, then released (docs/decisions/0014, 0015).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConditionType, Reason } from '../../../api/conditions.js';
import { fieldManager, operatorAccessFinalizer } from '../../../api/labels.js';
import type { KubeClient } from '../../../kube/client.js';
import { buildOperatorAccessBinding, operatorAccessBindingName } from '../../../resources/operator-access.js';
import type { Logger } from '../../../runtime/logging.js';
import type { KubeObject } from '../../../runtime/types.js';
import type { Step, StepContext, StepOutcome } from '../context.js';
import type { OwnedObjects } from '../owned-objects.js';

/** How long to wait for a new binding to take effect before reporting Progressing (and requeueing). */
const effectTimeoutMs = 3_000;
const effectPollMs = 100;

/** The namespace step, then the operator's access in the namespace it made; one condition for both. */
export function withOperatorAccess(namespaceStep: Step): Step {
  return async (context) => {
    const namespace = await namespaceStep(context);
    const live = context.owned.cached('Namespace', context.namespace);
    if (live?.metadata.deletionTimestamp) {
      await releaseOperatorAccess({ client: context.client, owned: context.owned, logger: context.logger }, live);
      return namespace;
    }
    if (namespace.status !== 'True') return namespace;
    return (await ensureOperatorAccess(context)) ?? namespace;
  };
}

/** Undefined once the operator's binding is in place and in effect; else why not yet. */
async function ensureOperatorAccess(context: StepContext): Promise<StepOutcome | undefined> {
  const { tenant, namespace, config } = context;
  const binding = buildOperatorAccessBinding(tenant.metadata, namespace, {
    ...config.operatorAccess,
    serviceAccountNamespace: config.namespace,
  });
  const wrote = await context.owned.ensure(binding, context.logger);
  if (!wrote || (await accessInEffect(context.client, namespace))) return undefined;
  return {
    type: ConditionType.NamespaceReady,
    status: 'False',
    reason: Reason.Progressing,
    message: `waiting for RoleBinding ${operatorAccessBindingName} in ${namespace} to take effect`,
  };
}

interface AccessReview extends KubeObject {
  status?: { allowed?: boolean };
}

/** Asks kube-apiserver (SelfSubjectAccessReview, which every identity may) until the binding grants. */
export async function accessInEffect(client: KubeClient, namespace: string): Promise<boolean> {
  for (let waited = 0; waited <= effectTimeoutMs; waited += effectPollMs) {
    const review = await client.create<AccessReview>(
      {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SelfSubjectAccessReview',
        metadata: { name: '' },
        spec: { resourceAttributes: { namespace, verb: 'get', resource: 'secrets' } },
      } as KubeObject,
      { fieldManager },
    );
    if (review.status?.allowed) return true;
    await sleep(effectPollMs);
  }
  return false;
}

interface NamespaceObject extends KubeObject {
  status?: { conditions?: { type: string; status: string; message?: string }[] };
}

/**
 * The finalizers the namespace controller last reported as holding content of a terminating
 * namespace (condition NamespaceFinalizersRemaining, "...: a in 1 resource instances, b in 2
 * resource instances"); undefined before its first report.
 */
export function finalizersHoldingNamespace(namespace: NamespaceObject): string[] | undefined {
  const condition = namespace.status?.conditions?.find((c) => c.type === 'NamespaceFinalizersRemaining');
  if (!condition) return undefined;
  if (condition.status !== 'True') return [];
  const listed = condition.message?.split(': ').slice(1).join(': ') ?? '';
  return listed.split(', ').map((entry) => /^(\S+) in \d+ resource instances$/.exec(entry.trim())?.[1] ?? entry.trim());
}

export interface AccessRelease {
  client: KubeClient;
  owned: OwnedObjects;
  logger: Logger;
}

/**
 * Whether the namespace controller, having deleted the operator's binding along with the rest,
 * reports its finalizer as the only one left. Only a report that names it counts: the namespace
 * controller deletes pods first and everything else later, and a report from before that (say,
 * "no finalizers remaining" while an owner's pod is still held) says nothing about the rest.
 */
function onlyOperatorAccessRemains(namespace: NamespaceObject, binding: KubeObject): boolean {
  const holding = finalizersHoldingNamespace(namespace) ?? [];
  return (
    binding.metadata.deletionTimestamp !== undefined &&
    holding.includes(operatorAccessFinalizer) &&
    holding.every((f) => f === operatorAccessFinalizer)
  );
}

/**
 * Whether the operator's own binding in the namespace still holds (its finalizer keeps it through
 * the namespace's deletion): not once this process released it, whatever the cache still shows
 * (released-access.ts).
 */
export function holdsOperatorAccess(owned: AccessRelease['owned'], namespace: NamespaceObject): boolean {
  if (namespace.metadata.uid !== undefined && owned.releasedAccess.has(namespace.metadata.uid)) return false;
  const binding = owned.cached('RoleBinding', `${namespace.metadata.name}/${operatorAccessBindingName}`);
  return binding?.metadata.finalizers?.includes(operatorAccessFinalizer) ?? false;
}

/**
 * Drops the finalizer of the operator's binding in a terminating namespace once no other finalizer
 * holds the namespace's content: the last thing the operator may have had to do there (drop an
 * owner's finalizer) is done. Returns whether it released.
 */
export async function releaseOperatorAccess(deps: AccessRelease, namespace: NamespaceObject): Promise<boolean> {
  if (!namespace.metadata.deletionTimestamp || !holdsOperatorAccess(deps.owned, namespace)) return false;
  const name = namespace.metadata.name;
  const binding = deps.owned.cached('RoleBinding', `${name}/${operatorAccessBindingName}`);
  if (!binding?.metadata.finalizers?.includes(operatorAccessFinalizer) || !onlyOperatorAccessRemains(namespace, binding)) return false;
  const finalizers = binding.metadata.finalizers.filter((f) => f !== operatorAccessFinalizer);
  await deps.client.mergePatch(
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: name, name: operatorAccessBindingName },
    { metadata: { finalizers, resourceVersion: binding.metadata.resourceVersion } },
    { fieldManager },
  );
  if (namespace.metadata.uid !== undefined) deps.owned.releasedAccess.remember(namespace.metadata.uid);
  deps.logger.info("Released the operator's RoleBinding", { namespace: name, name: operatorAccessBindingName });
  return true;
}
