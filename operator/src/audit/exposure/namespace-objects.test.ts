/** The checks of objects inside a tenant namespace: endpoints, claims, finalizers, NetworkPolicy authorship. */
import assert from 'node:assert/strict';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { manualEndpointsCheck } from './endpoints.js';
import { byTenantNamespace, finalizersCheck } from './finalizers.js';
import { indexListing, type ListedObject, type Listing, type ManagedField, type TenantExposure } from './model.js';
import { policyAuthorsCheck } from './policy-authors.js';
import { volumesCheck } from './volumes.js';

const acme: TenantExposure = { name: 'acme', uid: 'u-acme', namespace: 'tenant-acme', domains: [], allowExternalNames: false };
const listed = (...items: ListedObject[]): Listing => ({ items, served: true });
const object = (
  kind: string,
  name: string,
  extra: Partial<ListedObject['metadata']> = {},
  spec?: Record<string, unknown>,
): ListedObject => ({ kind, metadata: { name, namespace: 'tenant-acme', uid: `uid-${name}`, ...extra }, ...(spec ? { spec } : {}) });
const managed = (manager: string, fields: Record<string, unknown> = { 'f:spec': {} }, operation = 'Update'): ManagedField => ({
  manager,
  operation,
  fieldsV1: fields,
});

describe('hand-written endpoints', () => {
  const controllerSlice = object('EndpointSlice', 'web-abc12', {
    labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
    managedFields: [managed('kube-controller-manager', { 'f:endpoints': {} })],
  });

  it('pass what the control plane wrote', () => {
    const endpoints = object('Endpoints', 'web', { managedFields: [managed('kube-controller-manager', { 'f:subsets': {} })] });
    assert.equal(manualEndpointsCheck(acme, listed(endpoints), listed(controllerSlice)).result, 'pass');
  });

  it("find an EndpointSlice or Endpoints written by anyone else, or a slice without the controller's label", () => {
    const forged = object('EndpointSlice', 'to-globex', {
      labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      managedFields: [managed('kubectl-create')],
    });
    const unlabelled = object('EndpointSlice', 'unlabelled', { managedFields: [managed('kube-controller-manager')] });
    const endpoints = object('Endpoints', 'to-globex', { managedFields: [managed('kubectl-client-side-apply')] });
    const check = manualEndpointsCheck(acme, listed(endpoints), listed(controllerSlice, forged, unlabelled));
    assert.equal(check.reason, 'ManualEndpoints');
    assert.equal((check.evidence as { findings: number }).findings, 3);
    assert.match(
      check.message,
      /Endpoints tenant-acme\/to-globex: written by kubectl-client-side-apply \(bulkhead\.dev\/no-manual-endpoints\)/,
    );
    assert.match(check.message, /EndpointSlice tenant-acme\/unlabelled: endpointslice\.kubernetes\.io\/managed-by is absent/);
  });
});

describe('volume claims', () => {
  it('pass a claim bound to the volume provisioned for it, and one not bound yet', () => {
    const bound = object('PersistentVolumeClaim', 'data', { uid: '1234' }, { volumeName: 'pvc-1234' });
    assert.equal(volumesCheck(acme, listed(bound, object('PersistentVolumeClaim', 'pending', {}, {}))).result, 'pass');
  });

  it('find a claim naming another volume, selecting volumes or reading another namespace', () => {
    const preBound = object('PersistentVolumeClaim', 'steal', { uid: '1234' }, { volumeName: 'pvc-globex-data' });
    const selecting = object('PersistentVolumeClaim', 'select', {}, { selector: { matchLabels: { tenant: 'globex' } } });
    const copying = object(
      'PersistentVolumeClaim',
      'copy',
      {},
      { dataSourceRef: { kind: 'VolumeSnapshot', name: 'snap', namespace: 'tenant-globex' } },
    );
    const check = volumesCheck(acme, listed(selecting, copying, preBound));
    assert.equal(check.reason, 'VolumeNotProvisionedForClaim', 'the gravest first');
    assert.match(
      check.message,
      /^PersistentVolumeClaim tenant-acme\/steal: spec\.volumeName is pvc-globex-data, not the pvc-1234 provisioned for this claim \(bulkhead\.dev\/no-volume-binding\)/,
    );
    assert.match(check.message, /bulkhead\.dev\/no-volume-selector.*bulkhead\.dev\/no-cross-namespace-data-source/);
  });
});

describe('finalizers', () => {
  const namespace: ListedObject = { kind: 'Namespace', metadata: { name: 'tenant-acme', finalizers: ['example.com/hold'] } };
  const listings = (items: ListedObject[], namespaces: ListedObject[] = []) => [
    { kind: 'Namespace', listing: listed(...namespaces) },
    { kind: 'Service', listing: listed(...items) },
  ];

  it("pass Kubernetes' own finalizers", () => {
    const claim = object('Service', 'web', { finalizers: ['service.kubernetes.io/load-balancer-cleanup', 'foregroundDeletion'] });
    const check = finalizersCheck(acme, listings([claim]));
    assert.equal(check.result, 'pass');
    assert.deepEqual((check.evidence as { kinds: string[] }).kinds, ['Namespace', 'Service']);
  });

  it("pass Bulkhead's own finalizer on its own access binding, and nowhere else", () => {
    const binding = object('RoleBinding', 'bulkhead-operator', { finalizers: ['bulkhead.dev/operator-access'] });
    const lookalike = object('RoleBinding', 'tenant-owners', { finalizers: ['bulkhead.dev/operator-access'] });
    const bindings = (items: ListedObject[]) => [{ kind: 'RoleBinding', listing: listed(...items) }];
    assert.equal(finalizersCheck(acme, bindings([binding])).result, 'pass');
    assert.equal(finalizersCheck(acme, bindings([lookalike])).reason, 'OwnerHeldFinalizer');
  });

  it('find any other finalizer, a bulkhead.dev one included (Bulkhead sets none inside a namespace but on its binding), and one on the namespace', () => {
    const held = object('Service', 'web', { finalizers: ['example.com/hold', 'bulkhead.dev/finalizer', 'kubernetes.io/pvc-protection'] });
    const elsewhere = {
      ...object('Service', 'other', { finalizers: ['example.com/hold'] }),
      metadata: { name: 'other', namespace: 'tenant-globex', finalizers: ['example.com/hold'] },
    };
    const check = finalizersCheck(acme, listings([held, elsewhere], [namespace]));
    assert.equal(check.reason, 'OwnerHeldFinalizer');
    assert.equal((check.evidence as { findings: number }).findings, 3);
    assert.match(check.message, /Namespace tenant-acme: finalizer example\.com\/hold \(bulkhead\.dev\/kubernetes-finalizers-only\)/);
    assert.match(check.message, /Service tenant-acme\/web: finalizer bulkhead\.dev\/finalizer/);
  });

  it('is an error when one kind could not be listed', () => {
    assert.equal(finalizersCheck(acme, [{ kind: 'Service', listing: { error: 'cannot list Service' } }]).result, 'error');
  });

  // No grouping outlives the call that made it: objects added to a listing between two calls are
  // judged (decision 0063); a listing the audit grouped once is judged as it was listed.
  it('judge the objects a listing holds at each call, though the caller added one in between', () => {
    const kinds = listings([object('Service', 'web')]);
    const grouped = kinds.map(({ kind, listing }) => ({ kind, listing: indexListing(listing, [byTenantNamespace]) }));
    assert.equal(finalizersCheck(acme, kinds).result, 'pass');
    const services = kinds[1]?.listing as { items: ListedObject[] };
    services.items.push(object('Service', 'held', { finalizers: ['example.com/hold'] }));
    assert.equal(finalizersCheck(acme, kinds).reason, 'OwnerHeldFinalizer');
    assert.equal(finalizersCheck(acme, grouped).result, 'pass');
    const claims = listed(object('PersistentVolumeClaim', 'data', { uid: '1' }, { volumeName: 'pvc-1' }));
    assert.equal(volumesCheck(acme, claims).result, 'pass');
    (claims as { items: ListedObject[] }).items.push(object('PersistentVolumeClaim', 'steal', { uid: '2' }, { volumeName: 'pvc-globex' }));
    assert.equal(volumesCheck(acme, claims).reason, 'VolumeNotProvisionedForClaim');
  });
});

describe('NetworkPolicy authorship', () => {
  const built = buildNetworkPolicies(
    { name: 'acme', uid: 'u-acme' },
    { namespace: 'tenant-acme', egress: [], ingressPorts: [] },
    { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: {} },
  ).map((policy) => ({ ...policy, metadata: { ...policy.metadata, managedFields: [managed('bulkhead', { 'f:spec': {} }, 'Apply')] } }));

  it('passes the policies Bulkhead built and alone applied', () => {
    assert.equal(policyAuthorsCheck(acme, listed(...built)).result, 'pass');
  });

  it("finds a policy Bulkhead does not build, one with another tenant's owner, and one whose spec another manager changed", () => {
    const [first, second] = built as [ListedObject, ListedObject];
    const foreign = object('NetworkPolicy', 'allow-all', { managedFields: [managed('kubectl-create')] });
    const disowned = { ...second, metadata: { ...second.metadata, ownerReferences: [] } };
    const edited = {
      ...first,
      metadata: {
        ...first.metadata,
        managedFields: [...(first.metadata.managedFields ?? []), managed('kubectl-edit'), managed('kubectl-label', { 'f:metadata': {} })],
      },
    };
    const check = policyAuthorsCheck(acme, listed(edited, foreign, disowned));
    assert.equal(check.reason, 'ForeignNetworkPolicy');
    assert.match(
      check.message,
      /NetworkPolicy tenant-acme\/allow-all: not one of the policies Bulkhead builds; lacks the labels .*\(bulkhead\.dev\/network-policies-by-bulkhead-only\)/,
    );
    assert.match(check.message, /NetworkPolicy tenant-acme\/allow-same-namespace: lacks an owner reference to Tenant acme/);
    assert.match(check.message, /NetworkPolicy tenant-acme\/default-deny: spec fields are owned by kubectl-edit \(Update\)/);
    assert.doesNotMatch(check.message, /kubectl-label/, 'a manager of metadata alone changed no rule');
  });
});
