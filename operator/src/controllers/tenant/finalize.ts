/**
 * Finalizing a deleted Tenant: report Deleting, delete the namespace (and with it everything
 * inside), wait until it is really gone, and only then release the finalizer so the Tenant
 * disappears last.
 */
import { ConditionType, Reason } from '../../api/conditions.js';
import { namespaceName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { ReconcileOutcome } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import { hasFinalizer, removeFinalizer } from './finalizer.js';
import type { OwnedObjects } from './owned-objects.js';
import { releaseOperatorAccess } from './steps/operator-access.js';
import { nextStatus, writeStatus, type StatusWriter } from './status.js';
import { scheduleKeyDeletion, tearDownDatabase, type TeardownDeps } from './teardown.js';

export interface FinalizeDeps extends TeardownDeps {
  client: KubeClient;
  owned: OwnedObjects;
  writer: StatusWriter;
}

export async function finalizeTenant(deps: FinalizeDeps, tenant: Tenant, logger: Logger): Promise<ReconcileOutcome | void> {
  if (!hasFinalizer(tenant)) return;
  const namespace = namespaceName(tenant);
  let current = await writeStatus(deps.writer, tenant, nextStatus(tenant, [{ type: ConditionType.NamespaceReady, status: 'False',
    reason: Reason.Deleting, message: `Deleting namespace ${namespace}` }], {}, new Date()));
  const live = await deps.client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace });
  if (live) {
    if (!live.metadata.deletionTimestamp) {
      await deps.client.delete({ apiVersion: 'v1', kind: 'Namespace', name: namespace }, { uid: live.metadata.uid });
      logger.info('Deleted Namespace', { name: namespace });
    } else await releaseOperatorAccess({ client: deps.client, owned: deps.owned, logger }, live);
    // The namespace's deletion event wakes us too; the requeue is a safety net.
    return { requeueAfterMs: 5_000 };
  }
  // The app is gone with its namespace; now the data, by policy, and the key.
  await tearDownDatabase(deps, tenant);
  const deletionDate = await scheduleKeyDeletion(deps, tenant);
  if (deletionDate) {
    current = await writeStatus(deps.writer, current, nextStatus(current, [{ type: ConditionType.EncryptionKeyReady, status: 'False',
      reason: Reason.EncryptionKeyPendingDeletion, message: `the key will be deleted on ${deletionDate.toISOString()}` }],
    { encryption: { ...current.status?.encryption, deletionDate: deletionDate.toISOString() } }, new Date()));
  }
  // With the resourceVersion our own status writes produced, so the patch does not conflict with them.
  await removeFinalizer(deps.client, current);
  logger.info('Released finalizer', { tenant: tenant.metadata.name });
}
