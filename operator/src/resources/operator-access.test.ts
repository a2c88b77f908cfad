import assert from 'node:assert/strict';
import { buildOperatorAccessBinding } from './operator-access.js';

describe('the operator’s RoleBinding in a tenant namespace', () => {
  const binding = buildOperatorAccessBinding({ name: 'acme', uid: 'u1' }, 'tenant-acme', {
    clusterRole: 'bulkhead-operator-tenant',
    serviceAccount: 'bulkhead-operator',
    serviceAccountNamespace: 'bulkhead-system',
  });

  it('binds the fixed ClusterRole to the operator’s ServiceAccount, in the tenant namespace only', () => {
    assert.equal(binding.kind, 'RoleBinding');
    assert.equal(binding.metadata.namespace, 'tenant-acme');
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bulkhead-operator-tenant' });
    assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'bulkhead-operator', namespace: 'bulkhead-system' }]);
  });

  it('is owned by the Tenant, labelled for the operator’s watch, and held by its own finalizer', () => {
    assert.equal(binding.metadata.ownerReferences?.[0]?.uid, 'u1');
    assert.equal(binding.metadata.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    assert.equal(binding.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.deepEqual(binding.metadata.finalizers, ['bulkhead.dev/operator-access']);
  });
});
