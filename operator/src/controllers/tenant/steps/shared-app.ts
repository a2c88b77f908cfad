/**
 * Step, in place of the app step for a tenant whose plan's release is Shared (docs/decisions/0050):
 * the tenant gets no release of its own; it joins its region's shared release of its target
 * version. In order: its place in any other release of the region is given up (a rollout moved it,
 * or it is suspended); the pool namespace and its guardrails; its connection URI into the release's
 * credentials Secret; its entry into the tenants ConfigMap; the release itself. Each write is
 * idempotent, so a crash between any two converges on the next reconcile.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { databaseSecretName, schemaName } from '../../../api/names.js';
import { poolDatabaseName } from '../../../providers/database/pooled/index.js';
import { ChartNotFound, RenderFailed, RenderRefused } from '../../../providers/release/index.js';
import { deploymentProblem } from '../../../resources/release-objects.js';
import { poolNamespaceName } from '../../../resources/pool.js';
import { readSecretValue, type SecretObject } from '../../../resources/tenant-credentials.js';
import { crashPoint } from '../../../runtime/crash-points.js';
import { errorMessage } from '../../../runtime/errors.js';
import { objectKey, type KubeObject } from '../../../runtime/types.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { poolMembers, poolReleaseOf, type PoolRelease } from '../pool-membership.js';
import {
  applyPoolRelease,
  ensureCredentials,
  ensurePoolNamespace,
  ensureTenantsConfigMap,
  leavePoolRelease,
  releasesListing,
  renderPoolRelease,
  type PoolDeps,
} from '../pool-release.js';
import { servicePorts } from '../release-plan.js';

const outcome = outcomeFor(ConditionType.AppDeployed);

/** Crash points between the writes (runtime/crash-points.ts). */
export const sharedReleaseCrashPoints = { afterTenantsConfigMap: 'pool.after-tenants-configmap' } as const;

export async function ensureSharedApp(context: StepContext): Promise<StepOutcome> {
  const shared = context.sharedRelease;
  if (!shared) throw new Error('the shared-release step needs the reconciler’s caches');
  const deps: PoolDeps = { client: context.client, owned: context.owned, logger: context.logger, shared };
  const release = poolReleaseOf(context.tenant, context.plan);
  const name = context.tenant.metadata.name;
  const report = { app: { version: release.version, inventory: [] } };
  for (const other of releasesListing(context.owned, release.region, release.namespace, name)) {
    if (other.name !== release.name || context.tenant.spec.suspended) await leavePoolRelease(deps, other, name);
  }
  if (context.tenant.spec.suspended) {
    return outcome(
      'True',
      Reason.Suspended,
      `taken out of shared release ${release.name} in ${release.namespace} while suspended: it serves the tenant no more`,
      report,
    );
  }
  const refused = Object.keys(context.tenant.spec.app?.values ?? {});
  if (refused.length > 0) {
    return outcome(
      'False',
      Reason.ValuesNotAllowed,
      `spec.app.values sets ${refused.sort().join(', ')}, but plan ${context.plan.metadata.name} serves its tenants from the shared release ${release.name}, which takes no tenant's values`,
    );
  }
  const secret = await context.client.get<SecretObject>({
    apiVersion: 'v1',
    kind: 'Secret',
    name: databaseSecretName(context.tenant),
    namespace: context.namespace,
  });
  if (!secret)
    return outcome(
      'False',
      Reason.DependenciesNotReady,
      `waiting for the tenant's database credentials before it joins shared release ${release.name}`,
    );
  return join(context, deps, release, secret);
}

/**
 * Takes a tenant whose plan now gives it a release of its own (a move to such a plan, a promotion)
 * out of every shared release of its region that still lists it: the shared app must not keep
 * serving it, nor hold its database login. A look at the cached pool ConfigMaps when it is in none.
 */
export async function leaveSharedReleases(context: StepContext): Promise<void> {
  const shared = context.sharedRelease;
  if (!shared) return;
  const region = context.tenant.spec.region;
  const name = context.tenant.metadata.name;
  const deps: PoolDeps = { client: context.client, owned: context.owned, logger: context.logger, shared };
  for (const release of releasesListing(context.owned, region, poolNamespaceName(region), name)) {
    await leavePoolRelease(deps, release, name);
    context.logger.info('Left shared release: the plan gives the tenant a release of its own', { tenant: name, release: release.name });
  }
}

async function join(context: StepContext, deps: PoolDeps, release: PoolRelease, secret: SecretObject): Promise<StepOutcome> {
  const rendered = await render(context, release);
  if ('refused' in rendered) return rendered.refused;
  const waiting = await ensurePoolNamespace(context, release, servicePorts(rendered.objects));
  if (waiting) return outcome('False', Reason.Progressing, waiting, { app: { version: release.version, inventory: [] } });
  const name = context.tenant.metadata.name;
  const withCredentials = await ensureCredentials(deps, release, name, secret);
  const database = readSecretValue(secret, 'database') ?? poolDatabaseName;
  await ensureTenantsConfigMap(deps, release, { tenant: name, schema: schemaName(context.tenant), database }, withCredentials);
  crashPoint(sharedReleaseCrashPoints.afterTenantsConfigMap);
  const written = await applyPoolRelease(context, release, rendered.objects);
  const withDigest = { app: { version: release.version, inventory: [], digest: rendered.digest } };
  const problems = rolloutProblems(context, rendered.objects, written);
  if (problems.length > 0)
    return outcome('False', Reason.Progressing, `shared release ${release.name}: ${problems.join('; ')}`, withDigest);
  return outcome('True', Reason.Reconciled, servedMessage(deps, release, name), withDigest);
}

/** What the tenant shares, said plainly (the condition's message). */
function servedMessage(deps: PoolDeps, release: PoolRelease, tenant: string): string {
  const others = [...poolMembers(deps.shared, release)].filter((member) => member !== tenant).length;
  return (
    `no release of its own: served by shared release ${release.name} (version ${release.version}) in namespace ${release.namespace} ` +
    `with ${others} other tenant${others === 1 ? '' : 's'}; it shares the release's pods and their memory, the nodes and pod network they run on, ` +
    `and the database server; its data stays in its own schema, reached with its own role`
  );
}

async function render(
  context: StepContext,
  release: PoolRelease,
): Promise<{ digest: string; objects: KubeObject[] } | { refused: StepOutcome }> {
  try {
    return await renderPoolRelease(context, release);
  } catch (error) {
    const reason =
      error instanceof ChartNotFound
        ? Reason.ChartNotFound
        : error instanceof RenderFailed
          ? Reason.RenderFailed
          : error instanceof RenderRefused
            ? Reason.RenderRefused
            : Reason.ReleaseFailed;
    return { refused: outcome('False', reason, `shared release ${release.name}: ${errorMessage(error)}`) };
  }
}

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
