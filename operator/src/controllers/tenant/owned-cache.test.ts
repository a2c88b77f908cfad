/**
 * What the tenant controller's caches keep of the objects it owns must still answer every reader:
 * the subset check that keeps a steady state write-free (owned-objects.ts ensure), the foreign
 * additions check, the namespace's ownership test, the operator binding's finalizer and the
 * Deployment's rollout. Each object below is built as a step builds it, then dressed as the API
 * server returns it (server metadata, managedFields, a status) and passed through the cache.
 */
import assert from 'node:assert/strict';
import { isSubset } from '../../kube/semantic.js';
import { belongsToTenant, buildNamespace } from '../../resources/namespace.js';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { buildOperatorAccessBinding } from '../../resources/operator-access.js';
import { buildLimitRange, buildResourceQuota } from '../../resources/quota.js';
import { buildOwnerRoleBinding } from '../../resources/rbac.js';
import { adoptReleaseObjects, deploymentProblem } from '../../resources/release-objects.js';
import { buildDefaultServiceAccount } from '../../resources/service-account.js';
import { cacheTransform } from '../../runtime/cache-transforms.js';
import type { KubeObject } from '../../runtime/types.js';
import { hasForeignAdditions } from './foreign-changes.js';
import { finalizersHoldingNamespace } from './steps/operator-access.js';
import { ownedCacheTransforms, ownedKinds, type OwnedKind } from './owned-objects.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const namespace = 'tenant-acme';
const compute = { cpu: '500m', memory: '512Mi' };

const statuses: Record<string, object> = {
  Namespace: { phase: 'Active' },
  ResourceQuota: { hard: { pods: '20' }, used: { pods: '3' } },
  Deployment: { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 },
  Service: { loadBalancer: {} },
};

/** The object as a list or watch returns it. */
function asServed(object: KubeObject): KubeObject {
  const status = statuses[object.kind ?? ''];
  return {
    ...object,
    metadata: {
      ...object.metadata,
      uid: `uid-of-${object.metadata.name}`,
      resourceVersion: '42',
      generation: 2,
      managedFields: [{ manager: 'bulkhead', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': {} } }],
    } as KubeObject['metadata'],
    ...(status ? { status } : {}),
  };
}

const cached = (object: KubeObject): KubeObject => cacheTransform(ownedCacheTransforms[object.kind as OwnedKind])(asServed(object));

function builtObjects(): KubeObject[] {
  const [deployment, service, configMap] = adoptReleaseObjects(
    [
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'app' },
        spec: { replicas: 1, template: { spec: { containers: [{ name: 'app', image: 'app:1.4.2' }] } } },
      },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'app' }, spec: { ports: [{ port: 80 }] } },
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'app' }, data: { greeting: 'hello' } },
    ] as unknown as KubeObject[],
    tenant,
    namespace,
  );
  return [
    buildNamespace(tenant, namespace, { podSecurityVersion: 'v1.36', domains: ['acme.example.com'], allowExternalNameServices: false }),
    buildResourceQuota(tenant, namespace, {
      ...compute,
      storage: '10Gi',
      pods: 20,
      services: 5,
      persistentVolumeClaims: 5,
      configMaps: 20,
      secrets: 20,
    }),
    buildLimitRange(tenant, namespace, { defaultRequest: compute, default: compute, max: { cpu: 2, memory: '2Gi' } }),
    ...buildNetworkPolicies(
      tenant,
      {
        namespace,
        egress: [],
        database: { address: '10.9.0.5', port: 5432 },
        kms: { address: '10.9.0.6', port: 4566 },
        ingressPorts: [{ protocol: 'TCP', port: 80 }],
      },
      { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } },
    ),
    buildOwnerRoleBinding(tenant, namespace, [{ kind: 'Group', name: 'acme-admins' }], 'bulkhead-tenant-owner'),
    buildOperatorAccessBinding(tenant, namespace, {
      clusterRole: 'bulkhead-operator-tenant',
      serviceAccount: 'bulkhead-operator',
      serviceAccountNamespace: 'bulkhead-system',
    }),
    buildDefaultServiceAccount(tenant, namespace),
    ...[deployment, service, configMap].filter((object) => object !== undefined),
  ];
}

describe("the tenant controller's cache of owned objects", () => {
  it('covers every owned kind in this test', () => {
    assert.deepEqual(new Set(builtObjects().map((object) => object.kind)), new Set(Object.keys(ownedKinds)));
  });

  it('keeps all a builder sets, so an unchanged object is not applied again and is not mistaken for tampered', () => {
    for (const desired of builtObjects()) {
      const kept = cached(desired);
      assert.ok(isSubset(desired, kept), `${desired.kind} ${desired.metadata.name}: the cache lost a field the builder sets`);
      assert.equal(hasForeignAdditions(desired, kept), false, `${desired.kind} ${desired.metadata.name}`);
    }
  });

  it('keeps no managedFields of any kind', () => {
    for (const desired of builtObjects()) assert.equal('managedFields' in cached(desired).metadata, false, desired.kind);
  });

  it("keeps what the steps read besides: ownership of the namespace, the binding's finalizer, the Deployment's rollout", () => {
    const [ns, binding, deployment] = ['Namespace', 'RoleBinding/bulkhead-operator', 'Deployment']
      .map((wanted) => builtObjects().find((object) => `${object.kind}/${object.metadata.name}`.startsWith(wanted)))
      .map((object) => cached(object as KubeObject));
    assert.equal(belongsToTenant(ns as KubeObject, tenant), true);
    assert.deepEqual(binding?.metadata.finalizers, ['bulkhead.dev/operator-access']);
    assert.equal(binding?.metadata.uid, 'uid-of-bulkhead-operator', 'prune deletes by uid');
    assert.equal(deploymentProblem(deployment), undefined);
  });

  it("keeps a terminating namespace's conditions, from which the operator learns when to release its binding", () => {
    const built = builtObjects().find((object) => object.kind === 'Namespace') as KubeObject;
    const terminating = {
      ...asServed(built),
      status: {
        phase: 'Terminating',
        conditions: [
          {
            type: 'NamespaceFinalizersRemaining',
            status: 'True',
            message: 'Some content in the namespace has finalizers remaining: bulkhead.dev/operator-access in 1 resource instances',
          },
        ],
      },
    };
    const kept = cacheTransform(ownedCacheTransforms.Namespace)(terminating);
    assert.deepEqual(finalizersHoldingNamespace(kept), ['bulkhead.dev/operator-access']);
  });

  it('drops the status of the kinds whose status nobody reads', () => {
    const kept = builtObjects()
      .filter((object) => object.kind === 'ResourceQuota')
      .map(cached);
    assert.equal(kept.length, 1);
    for (const object of kept) assert.equal('status' in object, false, object.kind);
  });
});
