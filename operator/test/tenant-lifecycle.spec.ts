/**
 * The tenant controller against the real control plane: a Tenant becomes Ready with its
 * namespace guardrails, follows plan changes, has drift repaired through watches, costs no writes
 * once Ready, and is deleted only after everything Bulkhead made for it is gone.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { condition, customObjects, deleteTenant, group, readTenant, tenantManifest, version, waitForReady } from './support/tenants.js';

const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE'];

describe('the tenant controller', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let networking: k8s.NetworkingV1Api;
  let operator: OperatorProcess | undefined;

  before(async function () {
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    networking = kc.makeApiClient(k8s.NetworkingV1Api);
    operator = startOperator();
  });

  after(async function () {
    await operator?.stop();
  });

  it('makes a new tenant Ready with its namespace, quota, limits, policies and owner binding', async function () {
    await applyObjects(kc, [tenantManifest('lifecycle', { network: { allowEgressCIDRs: ['203.0.113.0/24'] } })]);
    const tenant = await waitForReady(kc, 'lifecycle');
    for (const type of [
      'NamespaceReady',
      'NetworkIsolated',
      'RbacReady',
      'QuotaReady',
      'DatabaseReady',
      'EncryptionKeyReady',
      'AppDeployed',
      'Ready',
    ]) {
      const c = condition(tenant, type);
      assert.equal(c?.status, 'True', `${type} is ${c?.status}: ${c?.message}`);
      assert.equal(c?.observedGeneration, tenant.metadata?.generation);
    }
    assert.equal(tenant.status?.namespace, 'tenant-lifecycle');
    assert.ok(tenant.metadata?.finalizers?.includes('bulkhead.dev/finalizer'));

    const namespace = await core.readNamespace({ name: 'tenant-lifecycle' });
    assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(namespace.metadata?.labels?.['bulkhead.dev/tenant'], 'lifecycle');
    assert.equal(namespace.metadata?.ownerReferences?.[0]?.uid, tenant.metadata?.uid);
    assert.equal(namespace.metadata?.labels?.['bulkhead.dev/tenant-uid'], tenant.metadata?.uid);
    const quota = await core.readNamespacedResourceQuota({ namespace: 'tenant-lifecycle', name: 'tenant-quota' });
    assert.equal(quota.spec?.hard?.['services.nodeports'], '0');
    assert.equal(quota.spec?.hard?.['requests.cpu'], '8');
    const policies = await networking.listNamespacedNetworkPolicy({ namespace: 'tenant-lifecycle' });
    assert.deepEqual(policies.items.map((p) => p.metadata?.name).sort(), [
      'allow-database',
      'allow-declared-egress',
      'allow-dns',
      'allow-ingress-controller',
      'allow-kms',
      'allow-same-namespace',
      'default-deny',
    ]);
    const binding = await kc
      .makeApiClient(k8s.RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ namespace: 'tenant-lifecycle', name: 'tenant-owners' });
    assert.deepEqual(
      binding.subjects?.map((s) => `${s.kind}:${s.name}`),
      ['Group:lifecycle-admins'],
    );
    assert.equal(binding.roleRef.name, 'bulkhead-tenant-owner');
  });

  it('records an Event on the Tenant when it becomes Ready', async function () {
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=lifecycle' });
    assert.ok(
      events.items.some((e) => e.reason === 'Ready' && e.type === 'Normal'),
      'no Ready event',
    );
  });

  it('times each step and counts tenants by condition in /metrics, with no label naming a tenant', async function () {
    const text = await (await fetch(await operator!.metricsUrl())).text();
    const sample = (pattern: string): number => Number(new RegExp(`^${pattern} (\\S+)$`, 'm').exec(text)?.[1] ?? 'NaN');
    for (const step of [
      'NamespaceReady',
      'NetworkIsolated',
      'RbacReady',
      'QuotaReady',
      'DatabaseReady',
      'EncryptionKeyReady',
      'AppDeployed',
    ]) {
      assert.ok(sample(`bulkhead_tenant_step_duration_seconds_count\\{step="${step}",result="success"\\}`) >= 1, `${step} was timed`);
    }
    assert.ok(sample('bulkhead_tenants\\{condition="Ready",status="True"\\}') >= 1, 'the Ready tenant is counted');
    const tenants = (type: string): number =>
      ['True', 'False', 'Unknown'].reduce((sum, status) => sum + sample(`bulkhead_tenants\\{condition="${type}",status="${status}"\\}`), 0);
    assert.equal(tenants('RbacReady'), tenants('Ready'), 'each condition type counts every tenant once');
    const ours = text.split('\n').filter((line) => /^bulkhead_tenant/.test(line));
    assert.ok(
      ours.every((line) => !line.includes('lifecycle')),
      'no series names the tenant',
    );
  });

  it('updates the quota in place when the tenant moves to another plan', async function () {
    await customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenants', name: 'lifecycle', body: { spec: { plan: 'enterprise' } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('the enterprise quota', async () => {
      const quota = await core.readNamespacedResourceQuota({ namespace: 'tenant-lifecycle', name: 'tenant-quota' });
      return quota.spec?.hard?.['requests.cpu'] === '64' || undefined;
    });
    await waitForReady(kc, 'lifecycle');
  });

  it('restores a deleted NetworkPolicy', async function () {
    await networking.deleteNamespacedNetworkPolicy({ namespace: 'tenant-lifecycle', name: 'default-deny' });
    await eventually(
      'default-deny to come back',
      async () => {
        const policy = await networking.readNamespacedNetworkPolicy({ namespace: 'tenant-lifecycle', name: 'default-deny' });
        return policy.metadata?.deletionTimestamp ? undefined : policy;
      },
      15_000,
    );
  });

  it('reverts an edit of the quota', async function () {
    await core.patchNamespacedResourceQuota(
      { namespace: 'tenant-lifecycle', name: 'tenant-quota', body: { spec: { hard: { 'services.nodeports': '5' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(
      'services.nodeports back to 0',
      async () => {
        const quota = await core.readNamespacedResourceQuota({ namespace: 'tenant-lifecycle', name: 'tenant-quota' });
        return quota.spec?.hard?.['services.nodeports'] === '0' || undefined;
      },
      15_000,
    );
  });

  it('puts back a removed Pod Security label on the namespace', async function () {
    await core.patchNamespace(
      { name: 'tenant-lifecycle', body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(
      'the enforce label to come back',
      async () => {
        const namespace = await core.readNamespace({ name: 'tenant-lifecycle' });
        return namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'] === 'restricted' || undefined;
      },
      15_000,
    );
  });

  it('keeps the default ServiceAccount from mounting a token, and turns automount back off', async function () {
    const account = await core.readNamespacedServiceAccount({ namespace: 'tenant-lifecycle', name: 'default' });
    assert.equal(account.automountServiceAccountToken, false);
    await core.patchNamespacedServiceAccount(
      { namespace: 'tenant-lifecycle', name: 'default', body: { automountServiceAccountToken: true } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(
      'automountServiceAccountToken back to false',
      async () => {
        const current = await core.readNamespacedServiceAccount({ namespace: 'tenant-lifecycle', name: 'default' });
        return current.automountServiceAccountToken === false || undefined;
      },
      15_000,
    );
  });

  // Leader election renews its Lease every retry period; that is the one write a leader must make.
  it('sends no write request once every tenant is Ready, besides renewing its leader Lease', async function () {
    await waitForReady(kc, 'lifecycle');
    await sleep(2_000); // let the echoes of the drift repairs settle
    const before = await operator!.requestCount(writeVerbs, ['leases']);
    const logged = operator!.logs.length;
    await sleep(5_000);
    const after = await operator!.requestCount(writeVerbs, ['leases']);
    const during = operator!.logs.slice(logged).map((l) => JSON.stringify(l));
    assert.equal(after - before, 0, `the operator sent ${after - before} write requests while idle; it logged:\n${during.join('\n')}`);
  });

  it('reports PlanNotFound and creates nothing for a tenant whose plan does not exist', async function () {
    await applyObjects(kc, [tenantManifest('planless', { plan: 'no-such-plan' })]);
    const tenant = await eventually('PlanNotFound', async () => {
      const current = await readTenant(kc, 'planless');
      return condition(current, 'Ready')?.reason === 'PlanNotFound' ? current : undefined;
    });
    assert.equal(condition(tenant, 'Ready')?.status, 'False');
    assert.ok(await isGone(() => core.readNamespace({ name: 'tenant-planless' })), 'a namespace was created without a plan');
    await deleteTenant(kc, 'planless');
    await eventually('planless to be gone', () => isGone(() => readTenant(kc, 'planless')));
  });

  it('deletes the namespace and only then lets the Tenant go', async function () {
    await deleteTenant(kc, 'lifecycle');
    await eventually(
      'the namespace to be gone',
      async () => {
        if (await isGone(() => core.readNamespace({ name: 'tenant-lifecycle' }))) return true;
        // While anything of it is left, the Tenant (held by its finalizer) must still be there.
        assert.ok(!(await isGone(() => readTenant(kc, 'lifecycle'))), 'the Tenant went before its namespace');
        return undefined;
      },
      90_000,
    );
    await eventually('the Tenant to be gone', () => isGone(() => readTenant(kc, 'lifecycle')), 30_000);
  });
});
