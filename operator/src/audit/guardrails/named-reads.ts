/**
 * Reading one namespaced object by name with a LIST narrowed by `metadata.name`, not a GET: the
 * operator (which runs this audit periodically) reads its owned kinds through watch caches and so
 * holds `list` on them but not `get`, and the auditor's role holds both. One request either way.
 */
import type { KubeClient } from '../../kube/client.js';
import type { KubeObject } from '../../runtime/types.js';

export async function readNamed<T extends KubeObject>(
  client: KubeClient,
  type: { apiVersion: string; kind: string },
  namespace: string,
  name: string,
): Promise<T | undefined> {
  const page = await client.list<T>(type.apiVersion, type.kind, { namespace, fieldSelector: `metadata.name=${name}` });
  return page.items.find((item) => item.metadata.name === name);
}
