/**
 * The per-tenant RBAC findings, from snapshots built with the operator's own builders (the
 * tenant-owner ClusterRole and the owners' RoleBinding) plus the sabotage each case adds.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { buildOwnerRoleBinding } from '../../resources/rbac.js';
import { buildTenantOwnerClusterRole } from '../../resources/tenant-owner-role.js';
import type { AuditCheck } from '../model.js';
import { RbacIndex } from './evaluator.js';
import { findingContext, namespacesDigest, rbacChecks, type TenantAccess } from './findings.js';
import { defaultPlatformConfig, resolvePlatform } from './platform.js';
import type { BindingObject, PolicyRule, RbacSnapshot, RoleObject, Subject } from './rbac-types.js';

const ownerRole = 'bulkhead-tenant-owner';
const tenants: TenantAccess[] = ['a', 'b'].map((name) => ({
  name,
  namespace: `tenant-${name}`,
  owners: [{ kind: 'Group', name: `${name}-admins` }],
}));
const secretsRead: PolicyRule = { verbs: ['get'], apiGroups: [''], resources: ['secrets'] };

function clusterRole(name: string, rules: PolicyRule[], extra: Partial<RoleObject> = {}): RoleObject {
  return { kind: 'ClusterRole', metadata: { name }, rules, ...extra };
}

function binding(kind: BindingObject['kind'], name: string, role: string, subjects: Subject[], namespace?: string): BindingObject {
  return {
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role },
    subjects,
  };
}

/** What the operator and a fresh cluster create: the owner role and bindings, cluster-admin, the authenticated baseline. */
function operatorSnapshot(): RbacSnapshot {
  return {
    roles: [],
    clusterRoles: [
      buildTenantOwnerClusterRole(ownerRole) as unknown as RoleObject,
      clusterRole('cluster-admin', [
        { verbs: ['*'], apiGroups: ['*'], resources: ['*'] },
        { verbs: ['*'], nonResourceURLs: ['*'] },
      ]),
      clusterRole('system:discovery', [{ verbs: ['get'], nonResourceURLs: ['/api', '/api/*', '/apis', '/apis/*', '/version'] }]),
      clusterRole('system:controller:replicaset-controller', [{ verbs: ['create', 'delete'], apiGroups: [''], resources: ['pods'] }]),
      clusterRole('edit', [
        { verbs: ['get', 'list', 'create', 'delete'], apiGroups: [''], resources: ['secrets', 'pods'] },
        { verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] },
      ]),
    ],
    roleBindings: tenants.map(
      (tenant) =>
        buildOwnerRoleBinding(
          { name: tenant.name, uid: 'u' },
          tenant.namespace,
          tenant.owners.map(({ kind, name }) => ({ kind: kind as 'Group', name })),
          ownerRole,
        ) as unknown as BindingObject,
    ),
    clusterRoleBindings: [
      binding('ClusterRoleBinding', 'cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]),
      binding('ClusterRoleBinding', 'system:discovery', 'system:discovery', [{ kind: 'Group', name: 'system:authenticated' }]),
      binding('ClusterRoleBinding', 'system:controller:replicaset-controller', 'system:controller:replicaset-controller', [
        { kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' },
      ]),
    ],
  };
}

function audit(change: (snapshot: RbacSnapshot) => void = () => {}): Map<string, AuditCheck> {
  const snapshot = operatorSnapshot();
  change(snapshot);
  const index = new RbacIndex(snapshot);
  const context = findingContext(index, resolvePlatform(index, defaultPlatformConfig), tenants);
  const checks = tenants.flatMap((tenant) => rbacChecks(context, tenant));
  return new Map(checks.map((check) => [`${check.tenant ?? ''} ${check.id}`, check]));
}

const results = (checks: Map<string, AuditCheck>) =>
  [...checks]
    .filter(([, check]) => check.result !== 'pass')
    .map(([key, check]) => `${key} ${check.reason}`)
    .sort();

describe('RBAC findings per tenant', () => {
  it('passes on what the operator grants', () => {
    const checks = audit();
    assert.deepEqual(results(checks), []);
    assert.equal(checks.size, 10);
  });

  it("finds a RoleBinding giving tenant A's owners edit in B, for B and for A", () => {
    const checks = audit((s) =>
      s.roleBindings.push(binding('RoleBinding', 'sabotage', 'edit', [{ kind: 'Group', name: 'a-admins' }], 'tenant-b')),
    );
    assert.deepEqual(results(checks), [
      'a access.owner-other-tenants OwnerHasRightsInOtherTenant',
      'b access.escalation EscalationPossible',
      'b access.secret-readers ForeignSubjectCanReadSecrets',
      'b access.workload-writers ForeignSubjectCanChangeWorkloads',
    ]);
    const evidence = checks.get('b access.secret-readers')?.evidence as { findings: { subject: string; binding: string; role: string }[] };
    assert.deepEqual(
      evidence.findings.map((f) => [f.subject, f.binding, f.role]),
      [['Group:a-admins', 'RoleBinding tenant-b/sabotage', 'ClusterRole edit']],
    );
    assert.match(
      checks.get('b access.secret-readers')?.message ?? '',
      /Group:a-admins can read Secrets in tenant-b: Group:a-admins through RoleBinding tenant-b\/sabotage \(ClusterRole edit\)/,
    );
  });

  it('names the failing grant in the other tenant, and counts the namespaces looked into with a digest an auditor can recompute', () => {
    const checks = audit((s) =>
      s.roleBindings.push(binding('RoleBinding', 'sabotage', 'edit', [{ kind: 'Group', name: 'a-admins' }], 'tenant-b')),
    );
    const evidence = checks.get('a access.owner-other-tenants')?.evidence as {
      otherNamespaces: { count: number; sha256: string };
      findings: { binding: string }[];
    };
    assert.ok(evidence.findings.some((f) => f.binding === 'RoleBinding tenant-b/sabotage'));
    assert.deepEqual(evidence.otherNamespaces, { count: 1, sha256: createHash('sha256').update('tenant-b\n').digest('hex') });
    assert.deepEqual(namespacesDigest(['tenant-c', 'tenant-b']), {
      count: 2,
      sha256: createHash('sha256').update('tenant-b\ntenant-c\n').digest('hex'),
    });
  });

  // The digests are made with the context: a caller that changes its fleet between two runs gets
  // the second fleet's digest, not one kept from the first (decision 0063).
  it('digests the other namespaces of the fleet each run is given, though the caller changed the array in between', () => {
    const index = new RbacIndex(operatorSnapshot());
    const platform = resolvePlatform(index, defaultPlatformConfig);
    const fleet = [...tenants];
    const otherNamespaces = () =>
      (
        rbacChecks(findingContext(index, platform, fleet), tenants[0] as TenantAccess).find((c) => c.id === 'access.owner-other-tenants')
          ?.evidence as { otherNamespaces: unknown }
      ).otherNamespaces;
    assert.deepEqual(otherNamespaces(), namespacesDigest(['tenant-b']));
    fleet.push({ name: 'c', namespace: 'tenant-c', owners: [{ kind: 'Group', name: 'c-admins' }] });
    assert.deepEqual(otherNamespaces(), namespacesDigest(['tenant-b', 'tenant-c']));
    fleet.splice(1);
    assert.deepEqual(otherNamespaces(), namespacesDigest([]));
  });

  it("counts a tenant's ServiceAccounts as its owners elsewhere", () => {
    const checks = audit((s) =>
      s.roleBindings.push(
        binding('RoleBinding', 'sa', 'edit', [{ kind: 'ServiceAccount', name: 'app', namespace: 'tenant-a' }], 'tenant-b'),
      ),
    );
    assert.equal(checks.get('a access.owner-other-tenants')?.reason, 'OwnerHasRightsInOtherTenant');
    assert.equal(checks.get('b access.secret-readers')?.reason, 'ForeignSubjectCanReadSecrets');
  });

  it("does not count a tenant's own ServiceAccounts reading its own Secrets", () => {
    const checks = audit((s) =>
      s.roleBindings.push(binding('RoleBinding', 'app', 'edit', [{ kind: 'Group', name: 'system:serviceaccounts:tenant-a' }], 'tenant-a')),
    );
    assert.equal(checks.get('a access.secret-readers')?.result, 'pass');
    // impersonating ServiceAccounts is escalation whoever holds it, short of the platform.
    assert.equal(checks.get('a access.escalation')?.reason, 'EscalationPossible');
  });

  it('finds a ClusterRole reading Secrets bound cluster-wide, in every tenant', () => {
    const checks = audit((s) => {
      s.clusterRoles.push(clusterRole('secret-reader', [secretsRead]));
      s.clusterRoleBindings.push(binding('ClusterRoleBinding', 'mallory', 'secret-reader', [{ kind: 'User', name: 'mallory' }]));
    });
    assert.deepEqual(results(checks), [
      'a access.secret-readers ForeignSubjectCanReadSecrets',
      'b access.secret-readers ForeignSubjectCanReadSecrets',
    ]);
  });

  it("finds Secret access reaching everyone through system:authenticated, and counts it as the owners' cluster right", () => {
    const checks = audit((s) => {
      s.clusterRoles.push(clusterRole('secret-reader', [secretsRead]));
      s.clusterRoleBindings.push(
        binding('ClusterRoleBinding', 'everyone', 'secret-reader', [{ kind: 'Group', name: 'system:authenticated' }]),
      );
    });
    assert.equal(checks.get('a access.secret-readers')?.reason, 'ForeignSubjectCanReadSecrets');
    assert.equal(checks.get('a access.owner-cluster-rights')?.reason, 'OwnerHasClusterRights');
  });

  it('finds Secret access through an aggregated ClusterRole whose rules are empty', () => {
    const checks = audit((s) => {
      s.clusterRoles.push(
        clusterRole('aggregate', [], { aggregationRule: { clusterRoleSelectors: [{ matchLabels: { sabotage: 'true' } }] } }),
      );
      s.clusterRoles.push({ kind: 'ClusterRole', metadata: { name: 'piece', labels: { sabotage: 'true' } }, rules: [secretsRead] });
      s.roleBindings.push(binding('RoleBinding', 'agg', 'aggregate', [{ kind: 'Group', name: 'readers' }], 'tenant-a'));
    });
    assert.deepEqual(results(checks), ['a access.secret-readers ForeignSubjectCanReadSecrets']);
    const evidence = checks.get('a access.secret-readers')?.evidence as { findings: { aggregatedFrom?: string[] }[] };
    assert.deepEqual(evidence.findings[0]?.aggregatedFrom, ['piece']);
  });

  it('does not count platform subjects, including anyone bound to cluster-admin', () => {
    const checks = audit((s) =>
      s.clusterRoleBindings.push(binding('ClusterRoleBinding', 'ops', 'cluster-admin', [{ kind: 'User', name: 'ops-oncall' }])),
    );
    assert.deepEqual(results(checks), []);
  });

  it('finds owners with a cluster-wide right beyond the baseline, but not with the baseline itself', () => {
    const checks = audit((s) => {
      s.clusterRoles.push(clusterRole('ns-creator', [{ verbs: ['create'], apiGroups: [''], resources: ['namespaces'] }]));
      s.clusterRoleBindings.push(binding('ClusterRoleBinding', 'b-discovery', 'system:discovery', [{ kind: 'Group', name: 'b-admins' }]));
      s.clusterRoleBindings.push(binding('ClusterRoleBinding', 'a-ns', 'ns-creator', [{ kind: 'Group', name: 'a-admins' }]));
    });
    assert.deepEqual(results(checks), ['a access.owner-cluster-rights OwnerHasClusterRights']);
  });

  const powers: [string, PolicyRule, 'RoleBinding' | 'ClusterRoleBinding', boolean][] = [
    [
      'escalate on roles in the namespace',
      { verbs: ['escalate'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] },
      'RoleBinding',
      true,
    ],
    [
      'bind on clusterroles in the namespace',
      { verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] },
      'RoleBinding',
      true,
    ],
    ['everything through a wildcard', { verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, 'RoleBinding', true],
    ['impersonating groups cluster-wide', { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'] }, 'ClusterRoleBinding', true],
    ['impersonating users cluster-wide', { verbs: ['impersonate'], apiGroups: [''], resources: ['users'] }, 'ClusterRoleBinding', true],
    [
      'impersonating ServiceAccounts in the namespace',
      { verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts'] },
      'RoleBinding',
      true,
    ],
    [
      'creating ServiceAccount tokens in the namespace',
      { verbs: ['create'], apiGroups: [''], resources: ['serviceaccounts/token'] },
      'RoleBinding',
      true,
    ],
    // Users and groups are cluster-scoped: a RoleBinding cannot grant impersonating them.
    [
      'not impersonating groups through a RoleBinding',
      { verbs: ['impersonate'], apiGroups: [''], resources: ['groups'] },
      'RoleBinding',
      false,
    ],
    [
      'not create on roles alone',
      { verbs: ['create'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] },
      'RoleBinding',
      false,
    ],
  ];
  for (const [what, rule, kind, found] of powers) {
    it(`${found ? 'finds' : 'does not find'} escalation: ${what}`, () => {
      const checks = audit((s) => {
        s.clusterRoles.push(clusterRole('powers', [rule]));
        const bound = binding(kind, 'powers', 'powers', [{ kind: 'User', name: 'bob' }], kind === 'RoleBinding' ? 'tenant-b' : undefined);
        (kind === 'RoleBinding' ? s.roleBindings : s.clusterRoleBindings).push(bound);
      });
      assert.equal(checks.get('b access.escalation')?.reason, found ? 'EscalationPossible' : 'Verified');
    });
  }

  it('finds escalation held by the owners themselves', () => {
    const checks = audit((s) => {
      s.clusterRoles.push(
        clusterRole('binder', [{ verbs: ['bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'] }]),
      );
      s.roleBindings.push(binding('RoleBinding', 'binder', 'binder', [{ kind: 'Group', name: 'b-admins' }], 'tenant-b'));
    });
    assert.deepEqual(results(checks), ['b access.escalation EscalationPossible']);
  });
});
