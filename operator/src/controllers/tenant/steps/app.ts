/**
 * Step: the product's chart, rendered with helm for this tenant (release-plan.ts) and applied into
 * its namespace only. Values are the plan's, then the tenant's (only keys the plan allows), then
 * the operator's own (names of the tenant's Secret and ConfigMap). Objects an earlier render made
 * and this one does not are pruned; AppDeployed is True only once every Deployment has rolled out.
 * An object the cluster's admission policies refuse is reported as AdmissionRefused, with the rule.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { admissionRefused, isPermanent } from '../../../kube/errors.js';
import { inventoryOf, parseInventoryKey, planPrune } from '../../../providers/release/index.js';
import { deploymentProblem } from '../../../resources/release-objects.js';
import { objectKey, type KubeObject } from '../../../runtime/types.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import type { ReleasePlan } from '../release-plan.js';
import { errorMessage } from '../../../runtime/errors.js';

const outcome = outcomeFor(ConditionType.AppDeployed);

/** Applies the reconcile's release plan (release-plan.ts), prunes what it no longer renders, and judges the rollout. */
export async function ensureApp(context: StepContext): Promise<StepOutcome> {
  const release = await context.release();
  if (!release.ok) return release.outcome;
  try {
    return await deploy(context, release);
  } catch (error) {
    if (isPermanent(error))
      return outcome('False', admissionRefused(error) ? Reason.AdmissionRefused : Reason.ApplyFailed, errorMessage(error));
    throw error;
  }
}

async function deploy(context: StepContext, release: ReleasePlan & { ok: true }): Promise<StepOutcome> {
  const { version, objects } = release;
  const justApplied = await applyObjects(context, objects);
  await prune(context, objects);
  const report = { app: { version, digest: release.digest, inventory: inventoryOf(objects) } };
  if (context.tenant.spec.suspended) return outcome('True', Reason.Suspended, `version ${version} scaled to zero while suspended`, report);
  const problems = rolloutProblems(context, objects, justApplied);
  if (problems.length > 0) return outcome('False', Reason.Progressing, `version ${version}: ${problems.join('; ')}`, report);
  return outcome('True', Reason.Reconciled, `version ${version} is rolled out`, report);
}

/** Applies what changed; returns the names of the Deployments written in this reconcile. */
async function applyObjects(context: StepContext, objects: KubeObject[]): Promise<string[]> {
  const written: string[] = [];
  for (const object of objects) {
    if ((await context.owned.ensure(object, context.logger)) && object.kind === 'Deployment') written.push(object.metadata.name);
  }
  return written;
}

/**
 * Why the release is not healthy yet, per Deployment. One written just now is judged on the next
 * reconcile: the cache may still hold the old, fully rolled-out copy, which would call a new
 * version healthy before it is.
 */
function rolloutProblems(context: StepContext, objects: KubeObject[], justApplied: string[]): string[] {
  return objects
    .filter((o) => o.kind === 'Deployment')
    .flatMap((o) => {
      const problem = justApplied.includes(o.metadata.name)
        ? 'was just applied'
        : deploymentProblem(context.owned.cached('Deployment', objectKey(o)));
      return problem === undefined ? [] : [`deployment ${o.metadata.name} ${problem}`];
    });
}

async function prune(context: StepContext, objects: KubeObject[]): Promise<void> {
  const previous = context.tenant.status?.app?.inventory ?? [];
  for (const key of planPrune(previous, objects, { namespace: context.namespace })) {
    const entry = parseInventoryKey(key);
    if (!entry) continue;
    const deleted = await context.client.delete({
      apiVersion: entry.apiVersion,
      kind: entry.kind,
      name: entry.name,
      namespace: entry.namespace,
    });
    if (deleted) context.logger.info(`Pruned ${entry.kind}`, { name: entry.name, namespace: entry.namespace });
  }
}
