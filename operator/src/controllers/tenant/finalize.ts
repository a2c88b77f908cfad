/**
 * Finalizing a deleted Tenant: report Deleting, delete the namespace (and with it everything
 * inside), help it finish past the finalizers owners left on their objects, wait until it is
 * really gone, then tear down the data by policy (or wait for its region, or orphan it as
 * annotated), and only then release the finalizer so the Tenant disappears last. The namespace's
 * deletion passes the leadership fence.
 */
import { ConditionType, Reason } from '../../api/conditions.js';
import { namespaceName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import { belongsToTenant } from '../../resources/namespace.js';
import type { ReconcileOutcome } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';
import { hasFinalizer, removeFinalizer } from './finalizer.js';
import { releaseOwnerFinalizers } from './owner-finalizers.js';
import type { OwnedObjects } from './owned-objects.js';
import { holdsOperatorAccess, releaseOperatorAccess } from './steps/operator-access.js';
import { nextStatus, writeStatus, type StatusWriter } from './status.js';
import { tearDownData, type TeardownDeps } from './teardown.js';
import type { SharedReleaseContext } from './pool-membership.js';
import { leavePoolRelease, releasesHolding } from './pool-release.js';

export interface FinalizeDeps extends TeardownDeps {
  owned: OwnedObjects;
  writer: StatusWriter;
  /** The caches the shared releases' membership is read from; absent, no shared release is looked at. */
  shared?: SharedReleaseContext;
}

export async function finalizeTenant(deps: FinalizeDeps, tenant: Tenant, logger: Logger): Promise<ReconcileOutcome | void> {
  if (!hasFinalizer(tenant)) return;
  // Out of any shared release first, so the shared app stops serving it before its data goes.
  if (deps.shared) await leaveSharedReleases({ ...deps, shared: deps.shared }, tenant);
  // The namespace's deletion and status changes wake us too; the requeue is a safety net.
  if (await namespaceRemains(deps, tenant, logger)) return { requeueAfterMs: 5_000 };
  // The app is gone with its namespace; now the data, by policy, and the key.
  const teardown = await tearDownData(deps, tenant);
  // An empty outcome list would summarize as Ready: write only what the teardown reports.
  const current =
    teardown.outcomes.length === 0
      ? tenant
      : await writeStatus(deps.writer, tenant, nextStatus(tenant, teardown.outcomes, teardown.report, new Date()));
  if (!teardown.release) return teardown.retryAfterMs === undefined ? undefined : { requeueAfterMs: teardown.retryAfterMs };
  // With the resourceVersion our own status writes produced, so the patch does not conflict with them.
  await removeFinalizer(deps.client, current);
  logger.info('Released finalizer', { tenant: tenant.metadata.name });
}

/** Deletes the tenant's namespace once and helps it finish; true while it still exists. */
async function namespaceRemains(deps: FinalizeDeps, tenant: Tenant, logger: Logger): Promise<boolean> {
  const namespace = namespaceName(tenant);
  const live = await deps.client.get<KubeObject>({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (!live) return false;
  if (!belongsToTenant(live, { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '' })) {
    logger.info("Left a namespace of the same name alone: it is not this tenant's", { name: namespace });
    return false;
  }
  await writeStatus(
    deps.writer,
    tenant,
    nextStatus(
      tenant,
      [{ type: ConditionType.NamespaceReady, status: 'False', reason: Reason.Deleting, message: `Deleting namespace ${namespace}` }],
      {},
      new Date(),
    ),
  );
  if (live.metadata.deletionTimestamp) {
    // Owners' finalizers first, while the operator's own access (its RoleBinding) holds; that goes
    // last of all, and after it the operator has no rights left in the namespace to look with.
    if (holdsOperatorAccess(deps.owned, live)) await releaseOwnerFinalizers(deps, tenant, live, logger);
    await releaseOperatorAccess({ client: deps.client, owned: deps.owned, logger }, live);
  } else {
    await deps.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, { uid: live.metadata.uid, fence: deps.fence });
    logger.info('Deleted Namespace', { name: namespace });
  }
  return true;
}

/**
 * Takes the tenant out of every shared release that may hold it, by its status' record, or with none
 * every one of its region that lists it (the last one out removes the release).
 */
async function leaveSharedReleases(deps: FinalizeDeps & { shared: SharedReleaseContext }, tenant: Tenant): Promise<void> {
  const name = tenant.metadata.name;
  for (const release of releasesHolding(deps.owned, tenant)) {
    await leavePoolRelease({ client: deps.client, owned: deps.owned, logger: deps.logger, shared: deps.shared }, release, name);
  }
}
