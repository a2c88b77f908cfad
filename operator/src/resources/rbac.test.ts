/** The owners' RoleBinding: the tenant-owner ClusterRole, bound in the tenant namespace only. */
import assert from 'node:assert/strict';
import { buildOwnerReadOnlyRoleBinding, buildOwnerRoleBinding, ownerReadOnlyRoleBindingName, ownerRoleBindingName } from './rbac.js';

describe("the owners' RoleBinding", () => {
  const owners = [
    { kind: 'User' as const, name: 'alice@acme.example' },
    { kind: 'Group' as const, name: 'acme-admins' },
  ];
  const binding = buildOwnerRoleBinding({ name: 'acme', uid: 'uid-1' }, 'tenant-acme', owners, 'bulkhead-tenant-owner') as ReturnType<
    typeof buildOwnerRoleBinding
  > & { roleRef: unknown; subjects: unknown };

  it('is a namespaced RoleBinding in the tenant namespace, so the ClusterRole grants nothing elsewhere', () => {
    assert.equal(binding.kind, 'RoleBinding');
    assert.equal(binding.metadata.namespace, 'tenant-acme');
    assert.equal(binding.metadata.name, ownerRoleBindingName);
  });

  it('refers to the given ClusterRole and binds exactly the owners, as users and groups', () => {
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bulkhead-tenant-owner' });
    assert.deepEqual(binding.subjects, [
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice@acme.example' },
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'acme-admins' },
    ]);
  });

  it('is labelled and owned by the Tenant', () => {
    assert.equal(binding.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(binding.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  });

  it("has a read-only twin of another name for a suspended tenant: a binding's roleRef cannot change", () => {
    const readOnly = buildOwnerReadOnlyRoleBinding(
      { name: 'acme', uid: 'uid-1' },
      'tenant-acme',
      owners,
      'bulkhead-tenant-owner-read-only',
    ) as typeof binding;
    assert.equal(readOnly.metadata.name, ownerReadOnlyRoleBindingName);
    assert.notEqual(ownerReadOnlyRoleBindingName, ownerRoleBindingName);
    assert.equal(readOnly.metadata.namespace, 'tenant-acme');
    assert.deepEqual(readOnly.roleRef, {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: 'ClusterRole',
      name: 'bulkhead-tenant-owner-read-only',
    });
    assert.deepEqual(readOnly.subjects, binding.subjects);
  });
});
