/**
 * Step, in place of the app step for a tenant whose plan's release is Shared (docs/decisions/0050):
 * the tenant gets no release of its own; it joins its region's shared release of its target
 * version. In order: its place in any other release is given up (a rollout moved it, or it is
 * suspended); the pool namespace and its guardrails; the release it joins recorded in its status
 * (docs/decisions/0054); its connection URI into the release's credentials Secret; its entry into the
 * tenants ConfigMap; the release itself. Each write is idempotent, and the record is written before
 * the tenant is anywhere it does not name, so a crash between any two converges on the next reconcile.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { databaseSecretName, schemaName } from '../../../api/names.js';
import { poolDatabaseName } from '../../../providers/database/pooled/names.js';
import { ChartNotFound, RenderFailed, RenderRefused } from '../../../providers/release/index.js';
import { deploymentProblem } from '../../../resources/release-objects.js';
import { readSecretValue, type SecretObject } from '../../../resources/tenant-credentials.js';
import { crashPoint } from '../../../runtime/crash-points.js';
import { errorMessage } from '../../../runtime/errors.js';
import { objectKey, type KubeObject } from '../../../runtime/types.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { dedicatedRecord, poolMembers, poolReleaseOf, sharedRecord, type PoolRelease } from '../pool-membership.js';
import {
  applyPoolRelease,
  ensureCredentials,
  ensurePoolNamespace,
  ensureTenantsConfigMap,
  leavePoolRelease,
  releasesHolding,
  renderPoolRelease,
  type PoolDeps,
} from '../pool-release.js';
import { servicePorts } from '../release-plan.js';
import { writeStatus } from '../status.js';
import type { TenantReleaseStatus } from '../../../api/tenant.js';

const outcome = outcomeFor(ConditionType.AppDeployed);

/** Crash points between the writes (runtime/crash-points.ts). */
export const sharedReleaseCrashPoints = {
  afterMembershipRecorded: 'pool.after-membership-recorded',
  afterCredentials: 'pool.after-credentials',
  afterTenantsConfigMap: 'pool.after-tenants-configmap',
} as const;

export async function ensureSharedApp(context: StepContext): Promise<StepOutcome> {
  const shared = context.sharedRelease;
  if (!shared) throw new Error('the shared-release step needs the reconciler’s caches');
  const deps: PoolDeps = { client: context.client, owned: context.owned, logger: context.logger, shared };
  const release = poolReleaseOf(context.tenant, context.plan);
  const record = sharedRecord((await leaveOtherReleases(context, deps, release)) ? release.name : undefined);
  if (context.tenant.spec.suspended) {
    return outcome(
      'True',
      Reason.Suspended,
      `taken out of shared release ${release.name} in ${release.namespace} while suspended: it serves the tenant no more`,
      { app: { version: release.version, inventory: [] }, release: record },
    );
  }
  const refused = Object.keys(context.tenant.spec.app?.values ?? {});
  if (refused.length > 0) {
    return outcome(
      'False',
      Reason.ValuesNotAllowed,
      `spec.app.values sets ${refused.sort().join(', ')}, but plan ${context.plan.metadata.name} serves its tenants from the shared release ${release.name}, which takes no tenant's values`,
      { release: record },
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
      { release: record },
    );
  return join(context, deps, release, { secret, record });
}

/**
 * Takes the tenant out of every shared release that may hold it (by its status' record, so a tenant
 * recorded in none looks at nothing) but the one of its target version, and out of that one too
 * while it is suspended. Returns whether it is still in its target version's release.
 */
async function leaveOtherReleases(context: StepContext, deps: PoolDeps, release: PoolRelease): Promise<boolean> {
  const name = context.tenant.metadata.name;
  let stays = false;
  for (const held of releasesHolding(context.owned, context.tenant)) {
    if (held.name === release.name && !context.tenant.spec.suspended) stays = true;
    else await leaveReported(deps, held, name);
  }
  return stays;
}

async function leaveReported(deps: PoolDeps, release: PoolRelease, tenant: string): Promise<void> {
  const removed = await leavePoolRelease(deps, release, tenant);
  deps.logger.info('Left shared release', { tenant, release: release.name, removed });
}

/**
 * Takes a tenant whose plan now gives it a release of its own (a move to such a plan, a promotion)
 * out of the shared releases its status records (or, with no record, every one of its region whose
 * ConfigMap lists it): the shared app must not keep serving it, nor hold its database login.
 * Returns the record to report once it is in none; undefined when it could not look (no caches).
 */
export async function leaveSharedReleases(context: StepContext): Promise<TenantReleaseStatus | undefined> {
  const shared = context.sharedRelease;
  if (!shared) return undefined;
  const deps: PoolDeps = { client: context.client, owned: context.owned, logger: context.logger, shared };
  for (const release of releasesHolding(context.owned, context.tenant)) await leaveReported(deps, release, context.tenant.metadata.name);
  return dedicatedRecord;
}

/**
 * Records in the tenant's status the shared release it is about to join, before its login or its
 * entry is written there: whatever happens next (a crash, a move to another version or plan), the
 * next reconcile or the finalizer finds it there by the record (docs/decisions/0054). Writes only
 * when the record changes: on joining, not in a steady state.
 */
async function recordMembership(context: StepContext, record: TenantReleaseStatus): Promise<void> {
  const current = context.tenant.status?.release;
  if (current?.tier === record.tier && current.sharedRelease === record.sharedRelease) return;
  // The status carries the same conditions: writeStatus records no Event for it.
  const events = context.events ?? { record: () => Promise.resolve() };
  await writeStatus({ client: context.client, events, logger: context.logger }, context.tenant, {
    ...context.tenant.status,
    release: record,
  });
  crashPoint(sharedReleaseCrashPoints.afterMembershipRecorded);
}

async function join(
  context: StepContext,
  deps: PoolDeps,
  release: PoolRelease,
  { secret, record }: { secret: SecretObject; record: TenantReleaseStatus },
): Promise<StepOutcome> {
  const rendered = await render(context, release);
  if ('refused' in rendered) return { ...rendered.refused, report: { release: record } };
  const waiting = await ensurePoolNamespace(context, release, servicePorts(rendered.objects));
  if (waiting) return outcome('False', Reason.Progressing, waiting, { app: { version: release.version, inventory: [] }, release: record });
  const joined = sharedRecord(release.name);
  await recordMembership(context, joined);
  const name = context.tenant.metadata.name;
  const withCredentials = await ensureCredentials(deps, release, name, secret);
  crashPoint(sharedReleaseCrashPoints.afterCredentials);
  const database = readSecretValue(secret, 'database') ?? poolDatabaseName;
  await ensureTenantsConfigMap(deps, release, { tenant: name, schema: schemaName(context.tenant), database }, withCredentials);
  crashPoint(sharedReleaseCrashPoints.afterTenantsConfigMap);
  const written = await applyPoolRelease(context, release, rendered.objects);
  const report = { app: { version: release.version, inventory: [], digest: rendered.digest }, release: joined };
  const problems = rolloutProblems(context, rendered.objects, written);
  if (problems.length > 0) return outcome('False', Reason.Progressing, `shared release ${release.name}: ${problems.join('; ')}`, report);
  return outcome('True', Reason.Reconciled, servedMessage(deps, release, name), report);
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
