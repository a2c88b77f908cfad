/** The metadata every tenant child shares: it is what ties a child to its Tenant and what selectors find. */
import assert from 'node:assert/strict';
import { tenantSelector } from '../api/labels.js';
import { childMeta, ownerReference } from './meta.js';

const tenant = { name: 'acme', uid: 'uid-1' };

describe('tenant child metadata', () => {
  it('names the Tenant as controlling owner, so garbage collection and the owner watch follow it', () => {
    assert.deepEqual(ownerReference(tenant), {
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'Tenant',
      name: 'acme',
      uid: 'uid-1',
      controller: true,
      blockOwnerDeletion: true,
    });
  });

  it('carries the labels the tenant selector matches, and the given name and namespace', () => {
    const meta = childMeta(tenant, 'tenant-quota', 'tenant-acme');
    assert.deepEqual(meta.labels, { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.dev/tenant': 'acme' });
    assert.equal(tenantSelector('acme'), 'app.kubernetes.io/managed-by=bulkhead,bulkhead.dev/tenant=acme');
    assert.equal(meta.name, 'tenant-quota');
    assert.equal(meta.namespace, 'tenant-acme');
    assert.deepEqual(meta.ownerReferences, [ownerReference(tenant)]);
  });

  it('leaves the namespace out for a cluster-scoped child', () => {
    assert.equal('namespace' in childMeta(tenant, 'x'), false);
  });
});
