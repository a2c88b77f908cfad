/**
 * The shared release's tenants ConfigMap and credentials Secret are written by every tenant of the
 * release, concurrently, each for its own entry. Server-side apply under one field manager would
 * drop whatever that manager wrote before and did not send again (another tenant's entry), and an
 * update would need the whole object read fresh; a JSON merge patch of the keys that differ changes
 * those keys only, atomically on the server. Keys the caller does not want (another manager's,
 * someone's by hand) are patched to null. The object is created on first use; a create that loses
 * a race to another tenant reads the winner and patches it.
 */
import { fieldManager } from '../../api/labels.js';
import type { KubeClient } from '../../kube/client.js';
import { isAlreadyExists } from '../../kube/errors.js';
import type { Logger } from '../../runtime/logging.js';
import type { KubeObject } from '../../runtime/types.js';

type Data = Record<string, string>;

export interface DataChange {
  /** Keys to hold exactly these values. */
  set: Data;
  /** Whether a live key not in `set` stays; those it refuses are removed. */
  keep: (key: string) => boolean;
}

const dataOf = (object: KubeObject | undefined): Data => (object as { data?: Data } | undefined)?.data ?? {};

/** The merge patch that makes `live` hold the change, or undefined when it already does. */
export function dataPatch(desired: KubeObject, live: KubeObject, change: DataChange): Record<string, unknown> | undefined {
  const current = dataOf(live);
  const data: Record<string, string | null> = {};
  for (const [key, value] of Object.entries(change.set)) if (current[key] !== value) data[key] = value;
  for (const key of Object.keys(current)) if (!(key in change.set) && !change.keep(key)) data[key] = null;
  const labels = Object.fromEntries(Object.entries(desired.metadata.labels ?? {}).filter(([k, v]) => live.metadata.labels?.[k] !== v));
  if (Object.keys(data).length === 0 && Object.keys(labels).length === 0) return undefined;
  return { metadata: { labels }, data };
}

/**
 * Makes the object hold the change; `live` is the caller's copy (undefined: none known, so it is
 * created or, if it exists after all, read). Returns the data it now holds.
 */
export async function syncData(
  writer: { client: KubeClient; logger: Logger },
  desired: KubeObject,
  live: KubeObject | undefined,
  change: DataChange,
): Promise<Data> {
  const { client, logger } = writer;
  const ref = {
    apiVersion: desired.apiVersion ?? 'v1',
    kind: desired.kind ?? '',
    name: desired.metadata.name,
    namespace: desired.metadata.namespace,
  };
  let current = live;
  if (!current) {
    try {
      const created = await client.create({ ...desired, data: change.set } as KubeObject, { fieldManager });
      logger.info(`Created ${ref.kind}`, { name: ref.name, namespace: ref.namespace });
      return dataOf(created);
    } catch (error) {
      if (!isAlreadyExists(error)) throw error;
      current = await client.get(ref);
      if (!current) throw error;
    }
  }
  const patch = dataPatch(desired, current, change);
  if (!patch) return dataOf(current);
  const patched = await client.mergePatch(ref, patch, { fieldManager });
  logger.info(`Patched ${ref.kind}`, { name: ref.name, namespace: ref.namespace, keys: Object.keys(patch.data as object).length });
  return dataOf(patched);
}
