/**
 * The tenant's release as this reconcile would apply it: the product chart rendered with the
 * tenant's values, checked to stay inside the namespace and made into tenant children. It is
 * computed at most once per reconcile and shared: the app step applies it, and the network step
 * reads the ports of its Services, which are all the ingress controller may reach.
 */
import { ConditionType, Reason } from '../../api/conditions.js';
import { releaseName } from '../../api/names.js';
import { appVersionAnnotation } from '../../api/rollout.js';
import {
  ChartNotFound,
  RenderFailed,
  RenderRefused,
  locateChart,
  mergeValues,
  operatorValues,
  validateRenderedObjects,
  type KindScope,
  type RenderRequest,
} from '../../providers/release/index.js';
import { adoptReleaseObjects } from '../../resources/release-objects.js';
import { errorMessage } from '../../runtime/errors.js';
import type { KubeObject } from '../../runtime/types.js';
import type { StepContext, StepOutcome } from './context.js';
import type { CachingRenderer } from './release-renderer.js';
import { releaseInputsDigest, settledRelease } from './settled-release.js';

/**
 * A release to apply, or why there is none. `settled`: the status shows it applied from the same
 * inputs and no object changed since, so `objects` are the live objects and no helm ran
 * (settled-release.ts).
 */
export type ReleasePlan =
  | { ok: true; version: string; digest: string; objects: KubeObject[]; inputsDigest: string; settled: boolean }
  | { ok: false; version: string; outcome: StepOutcome };

/** The version to deploy: pinned in the spec, else assigned by a rollout, else the plan's. */
export function targetVersion(context: Pick<StepContext, 'tenant' | 'plan'>): string {
  const { tenant, plan } = context;
  return tenant.spec.app?.version ?? tenant.metadata.annotations?.[appVersionAnnotation] ?? plan.spec.app.version;
}

const refusal = (version: string, reason: Reason, message: string): ReleasePlan => ({
  ok: false,
  version,
  outcome: { type: ConditionType.AppDeployed, status: 'False', reason, message },
});

/** Renders and checks the release; every problem becomes a refusal with its reason, not a throw. */
export async function planRelease(context: StepContext, renderer: CachingRenderer): Promise<ReleasePlan> {
  const version = targetVersion(context);
  try {
    return await render(context, renderer, version);
  } catch (error) {
    if (error instanceof ChartNotFound) return refusal(version, Reason.ChartNotFound, error.message);
    if (error instanceof RenderFailed) return refusal(version, Reason.RenderFailed, error.message);
    if (error instanceof RenderRefused) return refusal(version, Reason.RenderRefused, error.message);
    // helm or the chart repository failed (not the chart, not the values): still the release's fault, not kube-apiserver's.
    return refusal(version, Reason.ReleaseFailed, errorMessage(error));
  }
}

async function render(context: StepContext, renderer: CachingRenderer, version: string): Promise<ReleasePlan> {
  const { tenant, plan, namespace, config } = context;
  const merged = mergeValues({
    planValues: plan.spec.app.values ?? {},
    tenantValues: tenant.spec.app?.values ?? {},
    allowedKeys: plan.spec.app.allowedValueKeys ?? [],
    operatorValues: { ...operatorValues(tenant), ...(tenant.spec.suspended ? { replicaCount: 0 } : {}) },
  });
  if (merged.refused.length > 0) {
    return refusal(
      version,
      Reason.ValuesNotAllowed,
      `spec.app.values sets ${merged.refused.join(', ')}, which plan ${plan.metadata.name} does not allow (allowedValueKeys)`,
    );
  }
  const request = {
    helm: config.release.helm,
    chartPath: await locateChart(config.release.chartRepository, plan.spec.app.chart, version),
    releaseName: releaseName(tenant),
    namespace,
    values: merged.values,
  };
  const inputsDigest = await releaseInputsDigest({ ...request, tenant: { name: tenant.metadata.name, uid: tenant.metadata.uid }, version });
  const settled = await settledRelease(context, inputsDigest);
  if (settled) return { ...settled, ok: true, version, inputsDigest, settled: true };
  return {
    ...(await renderAndCheck(context, renderer, { ...request, signal: context.signal })),
    ok: true,
    version,
    inputsDigest,
    settled: false,
  };
}

/** helm's render, checked to stay in the namespace and made into the tenant's children. */
async function renderAndCheck(context: StepContext, renderer: CachingRenderer, request: RenderRequest) {
  const { tenant, namespace } = context;
  const rendered = await renderer.render(request);
  const valid = validateRenderedObjects(rendered.objects, { namespace, isNamespaced: await discoverScopes(context, rendered.objects) });
  return { digest: rendered.digest, objects: adoptReleaseObjects(valid, tenant.metadata, namespace) };
}

/** Which rendered kinds are namespaced, from the server's discovery (unknown kinds are refused). */
export async function discoverScopes(context: StepContext, objects: KubeObject[]): Promise<KindScope> {
  const scopes = new Map<string, boolean | undefined>();
  for (const { apiVersion = '', kind = '' } of objects) {
    const key = `${apiVersion}/${kind}`;
    if (scopes.has(key)) continue;
    const type = await context.client.types.resolve(apiVersion, kind).catch(() => undefined);
    scopes.set(key, type?.namespaced);
  }
  return ({ apiVersion, kind }) => scopes.get(`${apiVersion}/${kind}`);
}

interface ServicePort {
  port?: number;
  targetPort?: number | string;
  protocol?: string;
}

/**
 * The ports the release's Services send traffic to (targetPort, which defaults to port), as
 * NetworkPolicy ports: a named targetPort stays a name, which the policy resolves per pod. A live
 * Service (a settled release) gives the same: the API server defaults targetPort to port.
 */
export function servicePorts(objects: readonly KubeObject[]): { protocol: string; port: number | string }[] {
  const ports = new Map<string, { protocol: string; port: number | string }>();
  for (const object of objects) {
    if (object.kind !== 'Service' || object.apiVersion !== 'v1') continue;
    const listed = (object as { spec?: { ports?: ServicePort[] } }).spec?.ports ?? [];
    for (const { port, targetPort, protocol = 'TCP' } of listed) {
      const target = targetPort ?? port;
      if (target !== undefined) ports.set(`${protocol}/${target}`, { protocol, port: target });
    }
  }
  // Sorted, so the policy is the same whichever order the objects come in (rendered or live).
  return [...ports.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, port]) => port);
}
