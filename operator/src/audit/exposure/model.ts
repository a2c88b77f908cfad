/**
 * What the exposure checks judge: the objects a tenant namespace holds that act on infrastructure
 * every tenant shares (kube-proxy, DNS, the ingress controller and gateway, storage, the garbage
 * collector), each listing as read from the cluster or the reason it could not be read, and the
 * tenant as the platform grants it (its host names, whether its plan allows ExternalName).
 */
import type { KubeObject, ObjectMeta } from '../../runtime/types.js';

/** metadata.managedFields: which field manager set which fields (server-side apply's record). */
export interface ManagedField {
  manager?: string;
  operation?: string;
  subresource?: string;
  fieldsV1?: Record<string, unknown>;
}

/** An object as listed, with the fields the checks read left loose. */
export interface ListedObject extends KubeObject {
  metadata: ObjectMeta & { managedFields?: ManagedField[]; creationTimestamp?: string };
  spec?: Record<string, unknown>;
}

/**
 * Every object of a kind, or why it could not be listed; a kind the cluster does not serve is empty.
 * `groups`: its objects grouped as the part that listed it asked (indexListing), once for the run.
 */
export type Listing = { items: ListedObject[]; served: boolean; readonly groups?: ListingGroups } | { error: string };

/** A way to group a listing's objects: the keys an object is filed under (none, one or several). */
export interface Grouping {
  readonly name: string;
  keysOf(item: ListedObject): readonly string[];
}

/** A listing's objects by key, in the listing's order, for each grouping made. */
export type ListingGroups = ReadonlyMap<Grouping, ReadonlyMap<string, readonly ListedObject[]>>;

/** A tenant as the exposure checks see it. */
export interface TenantExposure {
  name: string;
  uid: string;
  namespace: string;
  /** The host names it may serve, each with its subdomains (resources/domains.ts). */
  domains: string[];
  /** Whether its plan allows ExternalName Services to names outside the cluster. */
  allowExternalNames: boolean;
}

/** One object that breaks one rule. */
export interface Offence {
  /** `Kind namespace/name`. */
  object: string;
  /** The rule, as the admission policy names it: `bulkhead.dev/no-external-ips`. */
  rule: string;
  /** The check's reason for this kind of offence. */
  reason: string;
  /** What exactly: the field and its value. */
  detail: string;
}

export const ruleName = (rule: string): string => `bulkhead.dev/${rule}`;

export function objectName(object: KubeObject): string {
  return `${object.kind ?? 'Object'} ${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
}

/** The objects filed under each key, in the items' order (an object once under each of its keys). */
function grouped(items: readonly ListedObject[], grouping: Grouping): Map<string, ListedObject[]> {
  const groups = new Map<string, ListedObject[]>();
  for (const item of items) {
    for (const key of new Set(grouping.keysOf(item))) {
      const group = groups.get(key) ?? [];
      if (group.length === 0) groups.set(key, group);
      group.push(item);
    }
  }
  return groups;
}

/**
 * The listing with its objects grouped once, by each grouping the checks of the run will ask for:
 * every check of every tenant took its namespace's objects by a scan of the whole listing, tenants ×
 * objects (docs/decisions/0060). The items are copied, so the groups are of the items it holds.
 */
export function indexListing(listing: Listing, groupings: readonly Grouping[]): Listing {
  if ('error' in listing) return listing;
  const items = [...listing.items];
  return { items, served: listing.served, groups: new Map(groupings.map((grouping) => [grouping, grouped(items, grouping)])) };
}

/** The listing's objects by key: as indexListing grouped them, or grouped for this call alone. */
export function groupedBy(
  listing: { items: readonly ListedObject[]; groups?: ListingGroups },
  grouping: Grouping,
): ReadonlyMap<string, readonly ListedObject[]> {
  return listing.groups?.get(grouping) ?? grouped(listing.items, grouping);
}

/** By metadata.namespace (a cluster-scoped object has none). */
export const byNamespace: Grouping = {
  name: 'namespace',
  keysOf: (item) => (item.metadata.namespace === undefined ? [] : [item.metadata.namespace]),
};

/** The listing's objects in one namespace; the listing itself when it failed. */
export function inNamespace(listing: Listing, namespace: string): Listing {
  if ('error' in listing) return listing;
  return { items: [...(groupedBy(listing, byNamespace).get(namespace) ?? [])], served: listing.served };
}
