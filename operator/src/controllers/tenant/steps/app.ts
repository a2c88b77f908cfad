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
import { observedDigest } from '../settled-release.js';
import { leaveSharedReleases } from './shared-app.js';
import { errorMessage } from '../../../runtime/errors.js';

const outcome = outcomeFor(ConditionType.AppDeployed);

/**
 * Applies the reconcile's release plan (release-plan.ts), prunes what it no longer renders, and
 * judges the rollout. A settled release (nothing changed since it was applied) is only judged.
 */
export async function ensureApp(context: StepContext): Promise<StepOutcome> {
  const release = await context.release();
  if (!release.ok) return release.outcome;
  // Recorded in the status only once it is in no shared release: the next reconcile then looks at none.
  const record = await leaveSharedReleases(context);
  try {
    const deployed = await deploy(context, release);
    return record ? { ...deployed, report: { ...deployed.report, release: record } } : deployed;
  } catch (error) {
    if (isPermanent(error))
      return outcome('False', admissionRefused(error) ? Reason.AdmissionRefused : Reason.ApplyFailed, errorMessage(error));
    throw error;
  }
}

async function deploy(context: StepContext, release: ReleasePlan & { ok: true }): Promise<StepOutcome> {
  const { version, objects } = release;
  const applied = release.settled ? settled(objects) : await applyObjects(context, objects);
  const pruned = release.settled ? 0 : await prune(context, objects);
  const report = {
    app: {
      version,
      digest: release.digest,
      inventory: inventoryOf(objects),
      inputsDigest: release.inputsDigest,
      // Only from a pass that wrote nothing: after a write the cache may not show it yet.
      ...(applied.written.length === 0 && pruned === 0 ? { observedDigest: observedDigest(applied.live) } : {}),
    },
  };
  if (context.tenant.spec.suspended) return outcome('True', Reason.Suspended, `version ${version} scaled to zero while suspended`, report);
  const justApplied = applied.written.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name);
  const problems = rolloutProblems(context, objects, justApplied);
  if (problems.length > 0) return outcome('False', Reason.Progressing, `version ${version}: ${problems.join('; ')}`, report);
  return outcome('True', Reason.Reconciled, `version ${version} is rolled out`, report);
}

interface Applied {
  /** The objects written in this reconcile. */
  written: KubeObject[];
  /** The live copies each unwritten object was compared with, for the observed digest. */
  live: KubeObject[];
}

const settled = (live: KubeObject[]): Applied => ({ written: [], live });

/** Applies what changed, comparing each object with the live copy it then fingerprints. */
async function applyObjects(context: StepContext, objects: KubeObject[]): Promise<Applied> {
  const applied: Applied = { written: [], live: [] };
  for (const object of objects) {
    const live = await context.owned.live(object);
    if (await context.owned.ensure(object, context.logger, live ?? null)) applied.written.push(object);
    else if (live) applied.live.push(live);
  }
  return applied;
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

/** Deletes what the previous render made and this one does not; returns how many it deleted. */
async function prune(context: StepContext, objects: KubeObject[]): Promise<number> {
  let deleted = 0;
  const previous = context.tenant.status?.app?.inventory ?? [];
  for (const key of planPrune(previous, objects, { namespace: context.namespace })) {
    const entry = parseInventoryKey(key);
    if (!entry) continue;
    const gone = await context.client.delete({
      apiVersion: entry.apiVersion,
      kind: entry.kind,
      name: entry.name,
      namespace: entry.namespace,
    });
    if (!gone) continue;
    context.logger.info(`Pruned ${entry.kind}`, { name: entry.name, namespace: entry.namespace });
    deleted++;
  }
  return deleted;
}
