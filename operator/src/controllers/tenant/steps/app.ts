/**
 * Step: the product's chart, rendered with helm for this tenant and applied into its namespace
 * only. Values are the plan's, then the tenant's (only keys the plan allows), then the operator's
 * own (names of the tenant's Secret and ConfigMap). Objects an earlier render made and this one
 * does not are pruned; AppDeployed is True only once every Deployment has rolled out.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { releaseName } from '../../../api/names.js';
import { appVersionAnnotation } from '../../../api/rollout.js';
import { isPermanent } from '../../../kube/errors.js';
import {
  ChartNotFound, RenderFailed, RenderRefused, inventoryOf, locateChart, mergeValues, operatorValues, parseInventoryKey,
  planPrune, validateRenderedObjects, type KindScope,
} from '../../../providers/release/index.js';
import { adoptReleaseObjects, deploymentProblem } from '../../../resources/release-objects.js';
import { objectKey, type KubeObject } from '../../../runtime/types.js';
import type { StepContext, StepOutcome } from '../context.js';
import type { CachingRenderer } from '../release-renderer.js';


/** The version to deploy: pinned in the spec, else assigned by a rollout, else the plan's. */
export function targetVersion(context: StepContext): string {
  const { tenant, plan } = context;
  return tenant.spec.app?.version ?? tenant.metadata.annotations?.[appVersionAnnotation] ?? plan.spec.app.version;
}

const outcome = (status: StepOutcome['status'], reason: Reason, message: string, report?: StepOutcome['report']): StepOutcome =>
  ({ type: ConditionType.AppDeployed, status, reason, message, ...(report ? { report } : {}) });

export function createAppStep(renderer: CachingRenderer) {
  return async function ensureApp(context: StepContext): Promise<StepOutcome> {
    const version = targetVersion(context);
    try {
      return await deploy(context, renderer, version);
    } catch (error) {
      if (error instanceof ChartNotFound) return outcome('False', Reason.ChartNotFound, error.message);
      if (error instanceof RenderFailed) return outcome('False', Reason.RenderFailed, error.message);
      if (error instanceof RenderRefused) return outcome('False', Reason.RenderRefused, error.message);
      if (isPermanent(error)) return outcome('False', Reason.ApplyFailed, (error as Error).message);
      throw error;
    }
  };
}

async function deploy(context: StepContext, renderer: CachingRenderer, version: string): Promise<StepOutcome> {
  const { tenant, plan, namespace, config } = context;
  const merged = mergeValues({
    planValues: plan.spec.app.values ?? {},
    tenantValues: tenant.spec.app?.values ?? {},
    allowedKeys: plan.spec.app.allowedValueKeys ?? [],
    operatorValues: { ...operatorValues(tenant), ...(tenant.spec.suspended ? { replicaCount: 0 } : {}) },
  });
  if (merged.refused.length > 0) {
    return outcome('False', Reason.ValuesNotAllowed,
      `spec.app.values sets ${merged.refused.join(', ')}, which plan ${plan.metadata.name} does not allow (allowedValueKeys)`);
  }
  const chartPath = await locateChart(config.release.chartRepository, plan.spec.app.chart, version);
  const rendered = await renderer.render({
    helm: config.release.helm, chartPath, releaseName: releaseName(tenant), namespace, values: merged.values, signal: context.signal,
  });
  const valid = validateRenderedObjects(rendered.objects, { namespace, isNamespaced: await discoverScopes(context, rendered.objects) });
  const objects = adoptReleaseObjects(valid, tenant.metadata, namespace);
  const justApplied = await applyObjects(context, objects);
  await prune(context, objects);
  const report = { app: { version, digest: rendered.digest, inventory: inventoryOf(objects) } };
  if (tenant.spec.suspended) return outcome('True', Reason.Suspended, `version ${version} scaled to zero while suspended`, report);
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
  return objects.filter((o) => o.kind === 'Deployment').flatMap((o) => {
    const problem = justApplied.includes(o.metadata.name)
      ? 'was just applied'
      : deploymentProblem(context.owned.cached('Deployment', objectKey(o)));
    return problem === undefined ? [] : [`deployment ${o.metadata.name} ${problem}`];
  });
}

/** Which rendered kinds are namespaced, from the server's discovery (unknown kinds are refused). */
async function discoverScopes(context: StepContext, objects: KubeObject[]): Promise<KindScope> {
  const scopes = new Map<string, boolean | undefined>();
  for (const { apiVersion = '', kind = '' } of objects) {
    const key = `${apiVersion}/${kind}`;
    if (scopes.has(key)) continue;
    const type = await context.client.types.resolve(apiVersion, kind).catch(() => undefined);
    scopes.set(key, type?.namespaced);
  }
  return ({ apiVersion, kind }) => scopes.get(`${apiVersion}/${kind}`);
}

async function prune(context: StepContext, objects: KubeObject[]): Promise<void> {
  const previous = context.tenant.status?.app?.inventory ?? [];
  for (const key of planPrune(previous, objects, { namespace: context.namespace })) {
    const entry = parseInventoryKey(key);
    if (!entry) continue;
    const deleted = await context.client.delete({ apiVersion: entry.apiVersion, kind: entry.kind, name: entry.name, namespace: entry.namespace });
    if (deleted) context.logger.info(`Pruned ${entry.kind}`, { name: entry.name, namespace: entry.namespace });
  }
}
