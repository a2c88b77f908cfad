/**
 * Endpoints and EndpointSlices written by hand (CVE-2021-25740): they point a Service, and the
 * ingress controller that proxies to it from its own namespace, at any address, another tenant's
 * pods included. In a tenant namespace only the control plane writes them (admission rule
 * no-manual-endpoints). Written by the control plane means: every field manager is the controller
 * manager, and a slice carries the managed-by label of the EndpointSlice controller or of its
 * mirroring controller (which copies a hand-written Endpoints object, found here on its own).
 */
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

/** The field manager kube-controller-manager's controllers write under (their user agent's program name). */
export const controlPlaneManagers: ReadonlySet<string> = new Set(['kube-controller-manager']);
export const sliceManagedByLabel = 'endpointslice.kubernetes.io/managed-by';
export const sliceControllers: ReadonlySet<string> = new Set([
  'endpointslice-controller.k8s.io',
  'endpointslicemirroring-controller.k8s.io',
]);

const manual: CheckSpec = {
  id: 'network.manual-endpoints',
  category: 'network',
  reasons: ['ManualEndpoints'],
  title: (tenant) => `Every Endpoints and EndpointSlice object in ${tenant.namespace} was written by the control plane, none by hand.`,
  clean: 'Only the control plane wrote Endpoints and EndpointSlices.',
};

/** Field managers other than the control plane's. */
export function foreignManagers(object: ListedObject): string[] {
  return [
    ...new Set(
      (object.metadata.managedFields ?? [])
        .map((entry) => entry.manager ?? '(unnamed)')
        .filter((manager) => !controlPlaneManagers.has(manager)),
    ),
  ];
}

function offences(object: ListedObject, slice: boolean): Offence[] {
  const problems: string[] = [];
  const managers = foreignManagers(object);
  if (managers.length > 0) problems.push(`written by ${managers.join(', ')}`);
  const managedBy = object.metadata.labels?.[sliceManagedByLabel];
  if (slice && !sliceControllers.has(managedBy ?? '')) problems.push(`${sliceManagedByLabel} is ${managedBy ?? 'absent'}`);
  return problems.length === 0
    ? []
    : [{ object: objectName(object), rule: ruleName('no-manual-endpoints'), reason: 'ManualEndpoints', detail: problems.join('; ') }];
}

export function manualEndpointsCheck(tenant: TenantExposure, endpoints: Listing, slices: Listing): AuditCheck {
  const ownEndpoints = inNamespace(endpoints, tenant.namespace);
  const ownSlices = inNamespace(slices, tenant.namespace);
  const items = (listing: Listing): ListedObject[] => ('items' in listing ? listing.items : []);
  return exposureCheck(manual, tenant, {
    listings: [ownEndpoints, ownSlices],
    offences: () => [
      ...items(ownEndpoints).flatMap((object) => offences(object, false)),
      ...items(ownSlices).flatMap((object) => offences(object, true)),
    ],
  });
}
