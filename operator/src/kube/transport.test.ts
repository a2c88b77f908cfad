import assert from 'node:assert/strict';
import { resourceOf } from './transport.js';

describe('resourceOf', function () {
  it('names the resource of core, group, namespaced and subresource paths', function () {
    assert.equal(resourceOf('/api/v1/namespaces'), 'namespaces');
    assert.equal(resourceOf('/api/v1/namespaces/tenant-a'), 'namespaces');
    assert.equal(resourceOf('/api/v1/namespaces/tenant-a/resourcequotas/q'), 'resourcequotas');
    assert.equal(resourceOf('/apis/coordination.k8s.io/v1/namespaces/bulkhead-system/leases/op'), 'leases');
    assert.equal(resourceOf('/apis/bulkhead.dev/v1alpha1/tenants/acme/status'), 'tenants/status');
    assert.equal(resourceOf('/apis/networking.k8s.io/v1/networkpolicies?watch=true'), 'networkpolicies');
  });
});
