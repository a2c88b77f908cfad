/**
 * The rule atoms no request shows as its verb, proven needed by taking them away: without "bind"
 * on bulkhead-tenant-owner the operator cannot write an owners' RoleBinding, without "bind" on
 * bulkhead-operator-tenant it cannot bind itself its rights in a tenant namespace (it holds none
 * of them cluster-wide), and without "escalate" on the owner role it cannot keep that role in
 * place (it does not hold the rights it grants, e.g. pods/exec). A probe user holding the chart's
 * operator ClusterRole with exactly one verb removed tries the operator's own write, and is
 * refused; given the verb back, the same write goes through.
 */
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { parseAllDocuments } from 'yaml';
import { issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { fieldManager } from '../../src/api/labels.js';
import { KubeClient } from '../../src/kube/client.js';
import { KubeApiError } from '../../src/kube/errors.js';
import { buildOperatorAccessBinding } from '../../src/resources/operator-access.js';
import { buildOwnerReadOnlyRoleBinding, buildOwnerRoleBinding } from '../../src/resources/rbac.js';
import {
  buildTenantOwnerClusterRole,
  buildTenantOwnerReadOnlyClusterRole,
  tenantOwnerReadOnlyClusterRoleName,
} from '../../src/resources/tenant-owner-role.js';
import type { KubeObject } from '../../src/runtime/types.js';
import { applyObjects, eventually } from '../support/cluster.js';
import { chartValuesFor, operatorServiceAccount, operatorTenantClusterRole, renderChart } from '../support/operator-identity.js';
import { operatorRegions } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import type { PolicyRule } from '../support/rbac-audit.js';

const ownerRole = 'bulkhead-tenant-owner';
const readOnlyRole = tenantOwnerReadOnlyClusterRoleName(ownerRole);
const namespace = 'rbac-probe';

function chartOperatorRules(): PolicyRule[] {
  const objects = parseAllDocuments(renderChart(chartValuesFor({ regions: operatorRegions() }), ['operator-rbac.yaml'])).map(
    (d) => d.toJS() as { kind: string; metadata: { name: string }; rules?: PolicyRule[] },
  );
  const role = objects.find((o) => o.kind === 'ClusterRole' && o.metadata.name === 'bulkhead-operator');
  assert.ok(role?.rules, 'the chart renders ClusterRole bulkhead-operator');
  return role.rules;
}

const without = (rules: PolicyRule[], verb: string): PolicyRule[] =>
  rules.map((rule) => ({ ...rule, verbs: rule.verbs.filter((v) => v !== verb) })).filter((rule) => rule.verbs.length > 0);

async function refusal(write: () => Promise<unknown>): Promise<KubeApiError | undefined> {
  try {
    await write();
    return undefined;
  } catch (error) {
    if (error instanceof KubeApiError && error.code === 403) return error;
    throw error;
  }
}

describe('the operator ClusterRole’s bind and escalate verbs', function () {
  let kc: k8s.KubeConfig;
  let admin: KubeClient;

  before(async function () {
    kc = await prepareCluster();
    admin = KubeClient.load(testEnvironment().kubeconfig);
    await applyObjects(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } }]);
    await admin.apply(buildTenantOwnerClusterRole(ownerRole), { fieldManager, force: true });
    await admin.apply(buildTenantOwnerReadOnlyClusterRole(ownerRole), { fieldManager, force: true });
  });

  // The probe users can escalate and bind, and the RoleBindings written bind the operator's and the
  // owners' roles in a namespace no Tenant owns: a spec that runs later (the audit's, the operator's
  // confinement) would rightly find them. The empty namespace stays (deleting one needs the fence).
  const probeUsers: string[] = [];
  after(async function () {
    for (const binding of (await admin.list<KubeObject>('rbac.authorization.k8s.io/v1', 'RoleBinding', { namespace })).items) {
      const ref = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace, name: binding.metadata.name };
      await admin.mergePatch(ref, { metadata: { finalizers: null } }, { fieldManager }); // the operator's binding holds its finalizer
      await admin.delete(ref);
    }
    for (const name of probeUsers) {
      await admin.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name }).catch(() => false);
      await admin.delete({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name }).catch(() => false);
    }
    admin.close();
  });

  /** A probe user holding `rules`, once the authorizer sees them (it can list namespaces). */
  async function probeWith(user: string, rules: PolicyRule[]): Promise<KubeClient> {
    probeUsers.push(user);
    const role: KubeObject = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: user } };
    await admin.apply({ ...role, rules } as KubeObject, { fieldManager: 'rbac-probe', force: true });
    await admin.apply(
      {
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRoleBinding',
        metadata: { name: user },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: user },
        subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
      } as KubeObject,
      { fieldManager: 'rbac-probe', force: true },
    );
    const client = KubeClient.load(issueUserKubeconfig(testEnvironment(), user));
    await eventually(`${user}'s role to take effect`, () => client.list('v1', 'Namespace', { limit: 1 }).catch(() => undefined));
    return client;
  }

  async function provesNeeded(verb: string, role: string, write: (client: KubeClient) => Promise<unknown>): Promise<void> {
    const user = `bulkhead-rbac-probe-${verb}-${role}`;
    const rules = chartOperatorRules();
    assert.ok(
      rules.some((r) => r.verbs.includes(verb) && r.resourceNames?.includes(role)),
      `the chart grants ${verb} on ${role}`,
    );
    const reduced = await probeWith(user, without(rules, verb));
    const refused = await refusal(() => write(reduced));
    assert.ok(refused, `without ${verb} the write must be refused`);
    assert.match(refused.message, /not currently held/);
    const full = await probeWith(user, rules);
    await eventually(
      `the write with ${verb}`,
      () =>
        write(full)
          .then(() => true)
          .catch(() => undefined),
      15_000,
    );
    full.close();
    reduced.close();
  }

  it('needs bind to write an owners’ RoleBinding to bulkhead-tenant-owner', async function () {
    await provesNeeded('bind', ownerRole, (client) =>
      client.apply(
        buildOwnerRoleBinding(
          { name: 'rbac-probe', uid: '00000000-0000-0000-0000-000000000001' },
          namespace,
          [{ kind: 'Group', name: 'rbac-probe-admins' }],
          ownerRole,
        ),
        { fieldManager, force: true },
      ),
    );
  });

  it('needs bind to write its own RoleBinding to bulkhead-operator-tenant', async function () {
    await provesNeeded('bind', operatorTenantClusterRole, (client) =>
      client.apply(
        buildOperatorAccessBinding({ name: 'rbac-probe', uid: '00000000-0000-0000-0000-000000000001' }, namespace, {
          clusterRole: operatorTenantClusterRole,
          serviceAccount: operatorServiceAccount,
          serviceAccountNamespace: 'bulkhead-system',
        }),
        { fieldManager, force: true },
      ),
    );
  });

  // kube-apiserver lets an unchanged re-apply through without the check; creating the role, or
  // repairing it after someone edited it, needs escalate. Each attempt repairs a fresh edit.
  it('needs escalate to repair an edited tenant-owner ClusterRole', async function () {
    const wanted = buildTenantOwnerClusterRole(ownerRole);
    await provesNeeded('escalate', ownerRole, async (client) => {
      await admin.apply({ ...wanted, rules: wanted.rules.slice(0, 1) } as KubeObject, { fieldManager, force: true });
      return client.apply(wanted, { fieldManager, force: true });
    });
    const live = await admin.get<typeof wanted>({ apiVersion: wanted.apiVersion ?? '', kind: 'ClusterRole', name: ownerRole });
    assert.equal(live?.rules.length, wanted.rules.length);
  });

  it('needs bind to write a suspended tenant’s owners’ RoleBinding to the read-only twin', async function () {
    await provesNeeded('bind', readOnlyRole, (client) =>
      client.apply(
        buildOwnerReadOnlyRoleBinding(
          { name: 'rbac-probe', uid: '00000000-0000-0000-0000-000000000001' },
          namespace,
          [{ kind: 'Group', name: 'rbac-probe-admins' }],
          readOnlyRole,
        ),
        { fieldManager, force: true },
      ),
    );
  });

  it('needs escalate to repair an edited read-only twin of the tenant-owner ClusterRole', async function () {
    const wanted = buildTenantOwnerReadOnlyClusterRole(ownerRole);
    await provesNeeded('escalate', readOnlyRole, async (client) => {
      await admin.apply({ ...wanted, rules: wanted.rules.slice(0, 1) } as KubeObject, { fieldManager, force: true });
      return client.apply(wanted, { fieldManager, force: true });
    });
  });
});
