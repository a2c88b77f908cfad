/** Who can make a request, and what a principal holds, from hand-written RBAC snapshots. */
import assert from 'node:assert/strict';
import { RbacIndex } from './evaluator.js';
import type { BindingObject, PolicyRule, RbacSnapshot, RoleObject, Subject } from './rbac-types.js';
import { subjectKey } from './subjects.js';

const secretsRead: PolicyRule = { verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] };
const metrics: PolicyRule = { verbs: ['get'], nonResourceURLs: ['/metrics'] };
const namespaceGet: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['namespaces'] };

const clusterRole = (name: string, rules: PolicyRule[]): RoleObject => ({ kind: 'ClusterRole', metadata: { name }, rules });
const role = (namespace: string, name: string, rules: PolicyRule[]): RoleObject => ({ kind: 'Role', metadata: { namespace, name }, rules });

function binding(
  kind: BindingObject['kind'],
  name: string,
  roleRef: BindingObject['roleRef'],
  subjects: Subject[],
  namespace?: string,
): BindingObject {
  return { kind, metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef, subjects };
}

const snapshot = (parts: Partial<RbacSnapshot>): RbacSnapshot => ({
  roles: [],
  clusterRoles: [],
  roleBindings: [],
  clusterRoleBindings: [],
  ...parts,
});
const secretsGet = (namespace: string) => ({ verb: 'get', apiGroup: '', resource: 'secrets', namespace });
const keys = (index: RbacIndex, request: Parameters<RbacIndex['whoCan']>[0]) =>
  index
    .whoCan(request)
    .map((grant) => subjectKey(grant.subject))
    .sort();

describe('the RBAC evaluator', () => {
  const index = new RbacIndex(
    snapshot({
      clusterRoles: [
        clusterRole('secret-reader', [secretsRead]),
        clusterRole('metrics', [metrics]),
        clusterRole('ns-reader', [namespaceGet]),
      ],
      roles: [role('tenant-a', 'local-reader', [secretsRead]), role('tenant-b', 'b-reader', [secretsRead])],
      roleBindings: [
        binding(
          'RoleBinding',
          'via-cluster-role',
          { kind: 'ClusterRole', name: 'secret-reader' },
          [{ kind: 'User', name: 'ann' }],
          'tenant-a',
        ),
        binding('RoleBinding', 'via-role', { kind: 'Role', name: 'local-reader' }, [{ kind: 'Group', name: 'auditors' }], 'tenant-a'),
        // A RoleBinding can only use a Role of its own namespace.
        binding('RoleBinding', 'foreign-role', { kind: 'Role', name: 'b-reader' }, [{ kind: 'User', name: 'eve' }], 'tenant-a'),
        binding('RoleBinding', 'missing-role', { kind: 'ClusterRole', name: 'no-such-role' }, [{ kind: 'User', name: 'zed' }], 'tenant-a'),
        binding('RoleBinding', 'local-metrics', { kind: 'ClusterRole', name: 'metrics' }, [{ kind: 'User', name: 'mia' }], 'tenant-a'),
        binding('RoleBinding', 'own-namespace', { kind: 'ClusterRole', name: 'ns-reader' }, [{ kind: 'User', name: 'ann' }], 'tenant-a'),
        binding(
          'RoleBinding',
          'accounts',
          { kind: 'ClusterRole', name: 'secret-reader' },
          [{ kind: 'Group', name: 'system:serviceaccounts:tenant-b' }],
          'tenant-a',
        ),
      ],
      clusterRoleBindings: [
        binding('ClusterRoleBinding', 'everywhere', { kind: 'ClusterRole', name: 'secret-reader' }, [
          { kind: 'ServiceAccount', name: 'backup', namespace: 'ops' },
        ]),
        binding('ClusterRoleBinding', 'metrics', { kind: 'ClusterRole', name: 'metrics' }, [{ kind: 'User', name: 'prometheus' }]),
        // A ClusterRoleBinding to a Role is invalid and grants nothing.
        binding('ClusterRoleBinding', 'to-role', { kind: 'Role', name: 'local-reader' }, [{ kind: 'User', name: 'eve' }]),
      ],
    }),
  );

  it('answers for a namespace with its RoleBindings and every ClusterRoleBinding', () => {
    assert.deepEqual(keys(index, secretsGet('tenant-a')), [
      'Group:auditors',
      'Group:system:serviceaccounts:tenant-b',
      'ServiceAccount:ops/backup',
      'User:ann',
    ]);
  });

  it('does not carry a RoleBinding into another namespace', () => {
    assert.deepEqual(keys(index, secretsGet('tenant-c')), ['ServiceAccount:ops/backup']);
  });

  it('answers cluster-scoped requests with ClusterRoleBindings only', () => {
    assert.deepEqual(keys(index, { verb: 'list', apiGroup: '', resource: 'secrets' }), ['ServiceAccount:ops/backup']);
  });

  it('grants non-resource URLs only through ClusterRoleBindings', () => {
    assert.deepEqual(keys(index, { verb: 'get', nonResourceURL: '/metrics' }), ['User:prometheus']);
  });

  it('judges a request for Namespace N in N, so a RoleBinding there can read its own Namespace', () => {
    assert.deepEqual(keys(index, { verb: 'get', apiGroup: '', resource: 'namespaces', name: 'tenant-a' }), ['User:ann']);
    assert.deepEqual(keys(index, { verb: 'get', apiGroup: '', resource: 'namespaces', name: 'tenant-b' }), []);
  });

  it('names the binding, the role and the rule of each grant', () => {
    const [grant] = index.whoCan(secretsGet('tenant-c'));
    assert.deepEqual(grant, {
      subject: { kind: 'ServiceAccount', namespace: 'ops', name: 'backup' },
      binding: { kind: 'ClusterRoleBinding', name: 'everywhere' },
      role: { kind: 'ClusterRole', name: 'secret-reader' },
      rule: secretsRead,
    });
  });

  it('gives a principal the rules of bindings to its groups, including the ServiceAccount groups', () => {
    const account = { kind: 'ServiceAccount' as const, namespace: 'tenant-b', name: 'app' };
    assert.deepEqual(
      index.rulesFor(account, 'tenant-a').map((grant) => grant.binding.name),
      ['accounts'],
    );
    assert.deepEqual(
      index.localRulesFor({ kind: 'User', name: 'ann' }, 'tenant-a').map((grant) => grant.binding.name),
      ['via-cluster-role', 'own-namespace'],
    );
    assert.deepEqual(
      index.rulesFor({ kind: 'ServiceAccount', namespace: 'ops', name: 'backup' }).map((grant) => grant.binding.name),
      ['everywhere'],
    );
  });

  it('marks a grant limited by resourceNames with the names', () => {
    const limited = new RbacIndex(
      snapshot({
        roles: [role('tenant-a', 'one-secret', [{ ...secretsRead, resourceNames: ['db-credentials'] }])],
        roleBindings: [binding('RoleBinding', 'one', { kind: 'Role', name: 'one-secret' }, [{ kind: 'User', name: 'ann' }], 'tenant-a')],
      }),
    );
    assert.deepEqual(
      limited.whoCan(secretsGet('tenant-a')).map((grant) => grant.limitedTo),
      [['db-credentials']],
    );
    assert.deepEqual(limited.whoCan({ ...secretsGet('tenant-a'), name: 'other' }), []);
  });
});
