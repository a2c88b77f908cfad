/**
 * The app's restart at a promotion's cut-over (docs/decisions/0053). The product chart reads
 * DATABASE_URL from the tenant's Secret into the environment, so running pods keep the pool's
 * address until they restart. Right after the Secret names the tenant's own database, each
 * Deployment of the tenant's release gets a pod-template annotation naming it, as
 * `kubectl rollout restart` does, written by a JSON merge patch under a field manager of its own:
 * the release's server-side apply neither owns nor removes it (it compares the rendered objects as
 * a subset of the live ones), so the release does not roll the pods back. The value is the same for
 * the whole promotion, so a cut-over repeated after a crash rolls nothing twice.
 */
import { isNotFound } from '../../../kube/errors.js';
import { parseInventoryKey, inventoryOf, type InventoryEntry } from '../../../providers/release/index.js';
import type { StepContext } from '../context.js';

/** The pod-template annotation a cut-over sets: `<database>@<when the promotion started>`; no secret. */
export const cutOverAnnotation = 'bulkhead.dev/database-cut-over';

/** Separate from the operator's own, so managedFields say who restarted the pods and the release's apply leaves it alone. */
export const cutOverFieldManager = 'bulkhead-cut-over';

/** Sets `value` on each Deployment the tenant's release holds; returns the names it patched (gone ones are skipped). */
export async function restartApp(context: StepContext, value: string): Promise<string[]> {
  const restarted: string[] = [];
  for (const deployment of await releaseDeployments(context)) {
    const patch = { spec: { template: { metadata: { annotations: { [cutOverAnnotation]: value } } } } };
    try {
      await context.client.mergePatch(deployment, patch, { fieldManager: cutOverFieldManager });
      restarted.push(deployment.name);
    } catch (error) {
      // Not created yet (or pruned): its pods, when they come, read the Secret as it is now.
      if (!isNotFound(error)) throw error;
    }
  }
  if (restarted.length > 0) context.logger.info('Restarted the app for the cut-over', { deployments: restarted });
  return restarted;
}

/**
 * The Deployments of the tenant's release in its namespace: the release this reconcile renders, else
 * the inventory last applied. The operator may patch no other workload kind in a tenant namespace.
 */
async function releaseDeployments(context: StepContext): Promise<InventoryEntry[]> {
  const release = await context.release();
  const keys = release.ok ? inventoryOf(release.objects) : (context.tenant.status?.app?.inventory ?? []);
  return keys
    .map(parseInventoryKey)
    .filter((entry): entry is InventoryEntry => entry !== undefined)
    .filter((entry) => entry.apiVersion === 'apps/v1' && entry.kind === 'Deployment' && entry.namespace === context.namespace);
}
