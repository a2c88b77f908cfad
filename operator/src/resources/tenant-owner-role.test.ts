/** The tenant-owner ClusterRole: workloads yes, guardrails and RBAC read-only, nothing cluster-wide to escalate with. */
import assert from 'node:assert/strict';
import {
  buildTenantOwnerClusterRole,
  buildTenantOwnerReadOnlyClusterRole,
  tenantOwnerReadOnlyRules,
  tenantOwnerRules,
  type PolicyRule,
} from './tenant-owner-role.js';

const writeVerbs = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const rulesFor = (group: string, resource: string): PolicyRule[] =>
  tenantOwnerRules.filter((rule) => rule.apiGroups.includes(group) && rule.resources.includes(resource));
const verbsOn = (group: string, resource: string): string[] => rulesFor(group, resource).flatMap((rule) => rule.verbs);

describe('the tenant-owner ClusterRole', () => {
  it('grants no write on the guardrails: NetworkPolicies, quotas, limits, the Namespace, roles and bindings', () => {
    const guardrails: [string, string][] = [
      ['networking.k8s.io', 'networkpolicies'],
      ['', 'resourcequotas'],
      ['', 'limitranges'],
      ['', 'namespaces'],
      ['rbac.authorization.k8s.io', 'roles'],
      ['rbac.authorization.k8s.io', 'rolebindings'],
    ];
    for (const [group, resource] of guardrails) {
      assert.deepEqual(
        verbsOn(group, resource).filter((verb) => writeVerbs.includes(verb)),
        [],
        `${group}/${resource}`,
      );
    }
  });

  it('has no wildcard, no escalate, bind or impersonate, and nothing on cluster-scoped RBAC or CRDs', () => {
    for (const rule of tenantOwnerRules) {
      for (const field of [rule.apiGroups, rule.resources, rule.verbs]) assert.ok(!field.includes('*'), JSON.stringify(rule));
      assert.deepEqual(
        rule.verbs.filter((verb) => ['escalate', 'bind', 'impersonate'].includes(verb)),
        [],
        JSON.stringify(rule),
      );
      assert.deepEqual(
        rule.resources.filter((resource) =>
          ['clusterroles', 'clusterrolebindings', 'customresourcedefinitions', 'nodes'].includes(resource),
        ),
        [],
      );
    }
  });

  it('reads only its own Namespace object, and may run workloads and manage their configuration', () => {
    assert.deepEqual(verbsOn('', 'namespaces'), ['get']);
    for (const [group, resource] of [
      ['apps', 'deployments'],
      ['', 'pods'],
      ['', 'secrets'],
      ['networking.k8s.io', 'ingresses'],
    ] as const) {
      assert.ok(verbsOn(group, resource).includes('create'), `${group}/${resource}`);
    }
  });

  it('is a labelled ClusterRole of the given name carrying exactly these rules', () => {
    const role = buildTenantOwnerClusterRole('bulkhead-tenant-owner');
    assert.equal(role.kind, 'ClusterRole');
    assert.equal(role.metadata.name, 'bulkhead-tenant-owner');
    assert.equal(role.metadata.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    assert.deepEqual(role.rules, tenantOwnerRules);
  });
});

describe("the tenant-owner role's read-only twin (a suspended tenant's owners)", () => {
  const role = buildTenantOwnerReadOnlyClusterRole('bulkhead-tenant-owner');
  const granted = (rules: PolicyRule[]) => rules.flatMap((r) => r.apiGroups.flatMap((g) => r.resources.map((x) => `${g}/${x}`)));

  it("is named after the owner role and labelled as Bulkhead's", () => {
    assert.equal(role.metadata.name, 'bulkhead-tenant-owner-read-only');
    assert.equal(role.metadata.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    assert.deepEqual(role.rules, tenantOwnerReadOnlyRules);
  });

  it('grants only get, list and watch, and nothing that opens a session into a pod', () => {
    for (const rule of role.rules) {
      assert.deepEqual(
        rule.verbs.filter((verb) => !['get', 'list', 'watch'].includes(verb)),
        [],
        JSON.stringify(rule),
      );
    }
    for (const session of ['pods/exec', 'pods/portforward', 'pods/attach'])
      assert.ok(!granted(role.rules).includes(`/${session}`), session);
  });

  it('still reads what the owners could read, workloads included', () => {
    const readable = granted(role.rules);
    for (const resource of ['/pods', '/pods/log', 'apps/deployments', 'networking.k8s.io/ingresses', 'networking.k8s.io/networkpolicies']) {
      assert.ok(readable.includes(resource), resource);
    }
    assert.deepEqual(
      granted(role.rules).filter((resource) => !granted(tenantOwnerRules).includes(resource)),
      [],
      'nothing beyond the owner role',
    );
  });
});
