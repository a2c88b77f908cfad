/**
 * The minimal Kubernetes shapes the runtime needs, and the ListerWatcher contract that kube/
 * implements for each watched kind. Nothing here depends on @kubernetes/client-node: the runtime
 * reads only metadata, so any object with a `metadata` block fits.
 */

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  /** Absent for cluster-scoped objects. */
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  deletionTimestamp?: string;
  finalizers?: string[];
}

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** One page of a paginated list; `continue` is absent or empty on the last page. */
export interface ListPage<T extends KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
}

/** The fields of a metav1.Status the runtime looks at. */
export interface Status {
  code?: number;
  reason?: string;
  message?: string;
}

/**
 * A watch event. BOOKMARK objects carry only `metadata.resourceVersion` that is meaningful;
 * ERROR carries the Status the server sent instead of an object.
 */
export type WatchEvent<T extends KubeObject> =
  { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK'; object: T } | { type: 'ERROR'; status: Status };

export interface ListOptions {
  limit: number;
  continue?: string;
}

export interface WatchOptions {
  resourceVersion: string;
  allowWatchBookmarks: true;
  timeoutSeconds: number;
}

/**
 * What kube/ implements per watched kind. Errors should carry the HTTP status as `code`
 * (410 means the resourceVersion is too old and the informer relists).
 */
export interface ListerWatcher<T extends KubeObject> {
  list(options: ListOptions, signal: AbortSignal): Promise<ListPage<T>>;
  /** Streams events until the server ends the watch (resolve) or it fails (reject). */
  watch(options: WatchOptions, onEvent: (event: WatchEvent<T>) => void, signal: AbortSignal): Promise<void>;
}

/** An error built from a Status, e.g. a watch ERROR event. */
export class StatusError extends Error {
  readonly code: number | undefined;
  readonly reason: string | undefined;

  constructor(status: Status) {
    super(status.message ?? `status ${status.reason ?? status.code ?? 'unknown'}`);
    this.name = 'StatusError';
    this.code = status.code;
    this.reason = status.reason;
  }
}

/**
 * True when an error or Status says the requested resourceVersion is gone from the server's
 * history (HTTP 410, reason Expired or Gone), which client-go answers with a fresh list.
 */
export function isResourceExpired(errorOrStatus: unknown): boolean {
  if (typeof errorOrStatus !== 'object' || errorOrStatus === null) return false;
  const { code, reason } = errorOrStatus as { code?: unknown; reason?: unknown };
  return code === 410 || reason === 'Expired' || reason === 'Gone';
}

/** The cache and work-queue key of an object: `namespace/name`, or `name` when cluster-scoped. */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${namespace}/${name}` : name;
}

/** Splits a key made by objectKey back into its parts. */
export function splitKey(key: string): { namespace?: string; name: string } {
  const slash = key.indexOf('/');
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}
