/** Who counts as the platform, and the explicit authenticated baseline. */
import assert from 'node:assert/strict';
import { RbacIndex } from './evaluator.js';
import { authenticatedBaseline, platformConfigFor, resolvePlatform } from './platform.js';
import type { BindingObject } from './rbac-types.js';

const toClusterAdmin = (name: string, subjects: BindingObject['subjects']): BindingObject => ({
  kind: 'ClusterRoleBinding',
  metadata: { name },
  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
  subjects,
});

describe('platform subjects', () => {
  const index = new RbacIndex({
    roles: [],
    clusterRoles: [],
    roleBindings: [],
    clusterRoleBindings: [
      toClusterAdmin('ops', [
        { kind: 'User', name: 'ops-oncall' },
        { kind: 'User', name: 'system:serviceaccount:ci:deployer' },
      ]),
    ],
  });
  const platform = resolvePlatform(index, platformConfigFor('platform-ns'));

  it('lists every subject bound to cluster-admin, with its binding', () => {
    assert.deepEqual(platform.boundToClusterAdmin, [
      { subject: 'User:ops-oncall', binding: 'ops', role: 'cluster-admin' },
      { subject: 'ServiceAccount:ci/deployer', binding: 'ops', role: 'cluster-admin' },
    ]);
    assert.equal(platform.isPlatform({ kind: 'ServiceAccount', namespace: 'ci', name: 'deployer' }), true);
  });

  it("names the operator's ServiceAccounts in the operator's namespace, and no other account there", () => {
    assert.equal(platform.isPlatform({ kind: 'ServiceAccount', namespace: 'platform-ns', name: 'bulkhead-operator' }), true);
    assert.equal(platform.isPlatform({ kind: 'ServiceAccount', namespace: 'platform-ns', name: 'web' }), false);
    assert.equal(platform.isPlatform({ kind: 'ServiceAccount', namespace: 'bulkhead-system', name: 'bulkhead-operator' }), false);
  });

  it('counts the control plane and kube-system, not ordinary users or system:authenticated', () => {
    assert.equal(platform.isPlatform({ kind: 'User', name: 'system:kube-controller-manager' }), true);
    assert.equal(platform.isPlatform({ kind: 'ServiceAccount', namespace: 'kube-system', name: 'replicaset-controller' }), true);
    assert.equal(platform.isPlatform({ kind: 'Group', name: 'system:authenticated' }), false);
    assert.equal(platform.isPlatform({ kind: 'User', name: 'mallory' }), false);
  });

  it('writes out the baseline roles every authenticated identity holds', () => {
    assert.deepEqual(
      authenticatedBaseline.map((entry) => entry.role),
      ['system:basic-user', 'system:discovery', 'system:public-info-viewer', 'system:service-account-issuer-discovery'],
    );
  });
});
