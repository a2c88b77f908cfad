/**
 * Finalizers set by the tenant's owners (or anyone but Kubernetes): a finalizer nobody removes
 * holds the object, and so the namespace's deletion, for ever. Kubernetes' own are the few its
 * controllers set and remove (garbage collection, volume and job tracking, load balancer cleanup).
 * Bulkhead puts none on objects inside a tenant namespace (its one finalizer is on the Tenant), so
 * a `bulkhead.dev/` finalizer there was not set by Bulkhead either.
 *
 * Secrets and ConfigMaps are not examined: they hold the tenant's data and configuration, and
 * neither the auditor's role nor the audit needs to read them.
 */
import { operatorAccessFinalizer } from '../../api/labels.js';
import { operatorAccessBindingName } from '../../resources/operator-access.js';
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import {
  groupedBy,
  objectName,
  ruleName,
  type Grouping,
  type ListedObject,
  type Listing,
  type Offence,
  type TenantExposure,
} from './model.js';

export const kubernetesFinalizers: ReadonlySet<string> = new Set([
  'foregroundDeletion',
  'orphan',
  'kubernetes',
  'kubernetes.io/pvc-protection',
  'batch.kubernetes.io/job-tracking',
  'service.kubernetes.io/load-balancer-cleanup',
]);

/** The kinds whose finalizers are examined: those owners may write, and those the audit reads anyway. */
export const finalizerKinds: readonly { apiVersion: string; kind: string }[] = [
  { apiVersion: 'v1', kind: 'Namespace' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'Endpoints' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'ReplicaSet' },
  { apiVersion: 'batch/v1', kind: 'Job' },
  { apiVersion: 'batch/v1', kind: 'CronJob' },
  { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
  { apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice' },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding' },
  { apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute' },
];

const finalizers: CheckSpec = {
  id: 'guardrails.finalizers',
  category: 'guardrails',
  reasons: ['OwnerHeldFinalizer'],
  title: (tenant) =>
    `No object in ${tenant.namespace} (nor the namespace) holds a finalizer other than Kubernetes' own, which would hold its deletion.`,
  clean: 'Every finalizer in the namespace is one Kubernetes sets and removes.',
};

/** Bulkhead's own finalizer on its own binding: it holds the operator's access until the rest of the namespace is gone. */
function isBulkheadsOwn(object: ListedObject, finalizer: string): boolean {
  return finalizer === operatorAccessFinalizer && object.kind === 'RoleBinding' && object.metadata.name === operatorAccessBindingName;
}

function offences(object: ListedObject): Offence[] {
  const foreign = (object.metadata.finalizers ?? []).filter(
    (finalizer) => !kubernetesFinalizers.has(finalizer) && !isBulkheadsOwn(object, finalizer),
  );
  return foreign.map((finalizer) => ({
    object: objectName(object),
    rule: ruleName('kubernetes-finalizers-only'),
    reason: 'OwnerHeldFinalizer',
    detail: `finalizer ${finalizer}`,
  }));
}

/** The namespaces an object is the tenant's in: its own, and for a Namespace the one it is. */
export const byTenantNamespace: Grouping = {
  name: 'namespace or Namespace',
  keysOf: (item) => [
    ...(item.metadata.namespace === undefined ? [] : [item.metadata.namespace]),
    ...(item.kind === 'Namespace' ? [item.metadata.name] : []),
  ],
};

/** The tenant's objects of a listing, its Namespace included (which has no namespace of its own). */
function tenantObjects(listing: Listing, namespace: string): Listing {
  if ('error' in listing) return listing;
  return { items: [...(groupedBy(listing, byTenantNamespace).get(namespace) ?? [])], served: listing.served };
}

/** One listing per kind of finalizerKinds (a kind the cluster does not serve is an empty listing). */
export function finalizersCheck(tenant: TenantExposure, listings: readonly { kind: string; listing: Listing }[]): AuditCheck {
  const own = listings.map(({ listing }) => tenantObjects(listing, tenant.namespace));
  const kinds = listings.filter(({ listing }) => 'items' in listing && listing.served).map(({ kind }) => kind);
  return exposureCheck(finalizers, tenant, {
    listings: own,
    offences: () => own.flatMap((listing) => ('items' in listing ? listing.items.flatMap(offences) : [])),
    evidence: { kinds },
  });
}
