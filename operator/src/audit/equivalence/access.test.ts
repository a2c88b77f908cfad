/**
 * The RBAC findings from the indexed evaluator (docs/decisions/0060) are those of the evaluator
 * before it, check for check and byte for byte, on random snapshots: owners shared between
 * tenants, bindings to system:authenticated and to ServiceAccount groups, ServiceAccounts named as
 * Users, Roles and ClusterRoles, aggregation, bindings to roles that do not exist. A wrong index
 * (one that forgets a kind of subject) is shown to make them differ.
 */
import assert from 'node:assert/strict';
import { buildOwnerRoleBinding } from '../../resources/rbac.js';
import { buildTenantOwnerClusterRole } from '../../resources/tenant-owner-role.js';
import { RbacIndex } from '../access/evaluator.js';
import { findingContext, namespacesDigest, rbacChecks, type TenantAccess } from '../access/findings.js';
import { defaultPlatformConfig, resolvePlatform } from '../access/platform.js';
import type { BindingObject, PolicyRule, Principal, RbacSnapshot, RoleObject, Subject } from '../access/rbac-types.js';
import type { AuditCheck } from '../model.js';
import { seeded, seeds, type Random } from './random.js';
import { RbacIndex as RbacIndexBefore } from './reference/access-evaluator.js';
import { rbacChecks as rbacChecksBefore } from './reference/access-findings.js';

const ownerRole = 'bulkhead-tenant-owner';
const rules: PolicyRule[][] = [
  [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['secrets'] }],
  [{ verbs: ['create', 'patch'], apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'] }],
  [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['x'] }],
  [{ verbs: ['impersonate'], apiGroups: [''], resources: ['serviceaccounts', 'users'] }],
  [{ verbs: ['escalate', 'bind'], apiGroups: ['rbac.authorization.k8s.io'], resources: ['roles'] }],
  [{ verbs: ['get'], nonResourceURLs: ['/api/*'] }],
];

function tenantsOf(random: Random): TenantAccess[] {
  const count = 3 + random.int(20);
  return Array.from({ length: count }, (_, i) => {
    const name = `t${i}`;
    const owners: TenantAccess['owners'] = [
      random.chance(0.2) ? { kind: 'Group', name: 'shared-admins' } : { kind: 'Group', name: `${name}-admins` },
      ...(random.chance(0.3) ? [{ kind: 'User' as const, name: `${name}-lead` }] : []),
      ...(random.chance(0.1) ? [{ kind: 'ServiceAccount' as const, namespace: 'ci', name: `deploy-${name}` }] : []),
    ];
    // Now and then two tenants name one namespace: the digest of the others must leave out only one.
    const namespace = i > 0 && random.chance(0.05) ? 'tenant-t0' : `tenant-${name}`;
    return { name, namespace, owners, ...(random.chance(0.1) ? { suspended: true } : {}) };
  });
}

function subjectOf(random: Random, tenants: readonly TenantAccess[]): Subject {
  const tenant = random.pick(tenants);
  const owner = random.pick(tenant.owners);
  const choices: (() => Subject)[] = [
    () => (owner.kind === 'ServiceAccount' ? { kind: 'ServiceAccount', namespace: owner.namespace, name: owner.name } : owner),
    () => ({ kind: 'Group', name: 'system:authenticated' }),
    () => ({ kind: 'Group', name: 'system:serviceaccounts' }),
    () => ({ kind: 'Group', name: `system:serviceaccounts:${tenant.namespace}` }),
    () => ({ kind: 'ServiceAccount', namespace: tenant.namespace, name: random.pick(['default', 'app']) }),
    () => ({ kind: 'User', name: `system:serviceaccount:${tenant.namespace}:app` }),
    () => ({ kind: 'User', name: 'mallory' }),
    () => ({ kind: 'Robot', name: 'r2' }),
    () => ({ kind: 'Group', name: 'system:unauthenticated' }),
  ];
  return random.pick(choices)();
}

function bindingOf(random: Random, tenants: readonly TenantAccess[], index: number): BindingObject {
  const namespace = random.chance(0.85) ? random.pick(tenants).namespace : random.pick(['kube-system', 'ci', 'shared']);
  const roleRef = random.chance(0.2)
    ? { kind: 'Role', name: random.pick(['reader', 'writer', 'missing']) }
    : { kind: 'ClusterRole', name: random.pick(['edit', 'view', 'admin', 'aggregated', ownerRole, 'missing']) };
  return {
    kind: 'RoleBinding',
    metadata: { name: `extra-${index}`, namespace },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', ...roleRef },
    subjects: random.chance(0.05) ? null : Array.from({ length: 1 + random.int(3) }, () => subjectOf(random, tenants)),
  };
}

function snapshotOf(random: Random, tenants: readonly TenantAccess[]): RbacSnapshot {
  const clusterRole = (name: string, extra: Partial<RoleObject> = {}): RoleObject => ({
    kind: 'ClusterRole',
    metadata: { name, labels: { aggregate: random.pick(['yes', 'no']) } },
    rules: random.pick(rules),
    ...extra,
  });
  const owners = tenants.map(
    (tenant) =>
      buildOwnerRoleBinding(
        { name: tenant.name, uid: `u-${tenant.name}` },
        tenant.namespace,
        tenant.owners.flatMap((owner) => (owner.kind === 'ServiceAccount' ? [] : [owner])),
        ownerRole,
      ) as unknown as BindingObject,
  );
  const extra = Array.from({ length: random.int(tenants.length * 3) }, (_, i) => bindingOf(random, tenants, i));
  return {
    roles: ['reader', 'writer'].flatMap((name) =>
      tenants
        .slice(0, 3)
        .map((tenant) => ({ kind: 'Role' as const, metadata: { name, namespace: tenant.namespace }, rules: random.pick(rules) })),
    ),
    clusterRoles: [
      buildTenantOwnerClusterRole(ownerRole) as unknown as RoleObject,
      clusterRole('edit'),
      clusterRole('view'),
      clusterRole('admin'),
      clusterRole('cluster-admin', { rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }] }),
      clusterRole('aggregated', { rules: [], aggregationRule: { clusterRoleSelectors: [{ matchLabels: { aggregate: 'yes' } }] } }),
    ],
    roleBindings: [...owners, ...extra].sort(() => random.next() - 0.5),
    clusterRoleBindings: Array.from({ length: random.int(4) }, (_, i) => ({
      ...bindingOf(random, tenants, 1000 + i),
      kind: 'ClusterRoleBinding' as const,
      metadata: { name: `crb-${i}` },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: random.pick(['view', 'cluster-admin', 'edit']) },
    })),
  };
}

function checksWith(index: RbacIndex, tenants: TenantAccess[]): AuditCheck[] {
  const platform = resolvePlatform(index, defaultPlatformConfig);
  const context = findingContext(index, platform, tenants);
  return tenants.flatMap((tenant) => rbacChecks(context, tenant));
}

function checksBefore(snapshot: RbacSnapshot, tenants: TenantAccess[]): AuditCheck[] {
  const index = new RbacIndexBefore(snapshot);
  const platform = resolvePlatform(index as unknown as RbacIndex, defaultPlatformConfig);
  return tenants.flatMap((tenant) => rbacChecksBefore({ index, platform, tenants }, tenant));
}

/** An index that forgets the tenant's ServiceAccounts when choosing where to look: wrong on purpose. */
class ForgetfulIndex extends RbacIndex {
  override namespacesBindingAny(principals: readonly Principal[]): Set<string> {
    return super.namespacesBindingAny(principals.filter((principal) => principal.kind !== 'ServiceAccount'));
  }
}

const fixedSeeds = Array.from({ length: 40 }, (_, i) => 1000 + i);

describe('the indexed RBAC evaluator (decision 0060)', function () {
  // Forty random fleets, judged twice: seconds on a loaded machine.
  this.timeout(60_000);

  it('finds the same checks as the evaluator before it, byte for byte, on random snapshots', () => {
    let ownerFindings = 0;
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const snapshot = snapshotOf(random, tenants);
      const now = checksWith(new RbacIndex(snapshot), tenants);
      assert.deepEqual(now, checksBefore(snapshot, tenants), `seed ${seed} (EQUIVALENCE_SEEDS=${seed} reproduces it)`);
      assert.equal(JSON.stringify(now), JSON.stringify(checksBefore(snapshot, tenants)), `seed ${seed}: the same bytes`);
      ownerFindings += now.filter((check) => check.id === 'access.owner-other-tenants' && check.result === 'fail').length;
    }
    // Not vacuous: the snapshots hold owners with rights in other tenants' namespaces.
    assert.ok(ownerFindings > 20, `only ${ownerFindings} owner-other-tenants findings`);
  });

  it('counts the namespaces looked into as namespacesDigest of every other tenant does', () => {
    for (const seed of seeds(fixedSeeds)) {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const checks = checksWith(new RbacIndex(snapshotOf(random, tenants)), tenants);
      for (const tenant of tenants) {
        const check = checks.find((candidate) => candidate.id === 'access.owner-other-tenants' && candidate.tenant === tenant.name);
        const others = tenants.filter((other) => other.name !== tenant.name).map((other) => other.namespace);
        assert.deepEqual((check?.evidence as { otherNamespaces: unknown }).otherNamespaces, namespacesDigest(others), `seed ${seed}`);
      }
    }
  });

  it('would differ from the evaluator before it if the index forgot a kind of subject', () => {
    const differing = fixedSeeds.filter((seed) => {
      const random = seeded(seed);
      const tenants = tenantsOf(random);
      const snapshot = snapshotOf(random, tenants);
      return JSON.stringify(checksWith(new ForgetfulIndex(snapshot), tenants)) !== JSON.stringify(checksBefore(snapshot, tenants));
    });
    assert.ok(differing.length > 0, 'the random snapshots never put a right in another tenant through a ServiceAccount');
  });
});
