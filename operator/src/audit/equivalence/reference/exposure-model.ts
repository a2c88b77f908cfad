// The code before decision 0060, kept verbatim (imports re-pointed) so the equivalence tests compare the indexed parts with it.
/**
 * What the exposure checks judge: the objects a tenant namespace holds that act on infrastructure
 * every tenant shares (kube-proxy, DNS, the ingress controller and gateway, storage, the garbage
 * collector), each listing as read from the cluster or the reason it could not be read, and the
 * tenant as the platform grants it (its host names, whether its plan allows ExternalName).
 */
import type { KubeObject, ObjectMeta } from '../../../runtime/types.js';

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

/** Every object of a kind, or why it could not be listed; a kind the cluster does not serve is empty. */
export type Listing = { items: ListedObject[]; served: boolean } | { error: string };

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

/** The listing's objects in one namespace; the listing itself when it failed. */
export function inNamespace(listing: Listing, namespace: string): Listing {
  if ('error' in listing) return listing;
  return { items: listing.items.filter((item) => item.metadata.namespace === namespace), served: listing.served };
}
