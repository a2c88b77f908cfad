/**
 * The operator is confined to the namespaces it owns: with exactly the chart's RBAC and admission
 * policy, its identity holds no Secret read and no write in kube-system or default (asked of the
 * authorizer with SubjectAccessReviews, then tried for real with its own token), cannot bind
 * itself its tenant-namespace role there, label a namespace as a tenant's, create a namespace that
 * is not one, or widen the tenant-owner role; inside a tenant namespace it works through the
 * RoleBinding it writes first, and keeps that access until the namespace's last owner finalizer
 * is gone. The refused attempts carry a User-Agent that rbac-minimal.spec.ts leaves out.
 */
import assert from 'node:assert/strict';
import { request as httpsRequest } from 'node:https';
import { readFileSync } from 'node:fs';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { fieldManager } from '../../src/api/labels.js';
import { buildOperatorAccessBinding } from '../../src/resources/operator-access.js';
import { buildTenantOwnerClusterRole } from '../../src/resources/tenant-owner-role.js';
import { applyObjects, eventually, isGone } from '../support/cluster.js';
import {
  chartNamespace,
  chartValuesFor,
  operatorKubeconfig,
  operatorServiceAccount,
  operatorTenantClusterRole,
  renderChart,
} from '../support/operator-identity.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { confinementProbeAgent } from '../support/rbac-audit.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenant, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';

const tenant = 'confined';
const tenantDomain = `${tenant}.example`;
const tenantNamespace = `tenant-${tenant}`;
const operatorUser = `system:serviceaccount:${chartNamespace}:${operatorServiceAccount}`;
const operatorGroups = ['system:serviceaccounts', `system:serviceaccounts:${chartNamespace}`, 'system:authenticated'];
const policyRule = /ValidatingAdmissionPolicy 'bulkhead-operator-confinement'.*denied request: bulkhead-operator-confinement: /;
const accessIdentity = {
  clusterRole: operatorTenantClusterRole,
  serviceAccount: operatorServiceAccount,
  serviceAccountNamespace: chartNamespace,
};

interface Answer {
  code: number;
  message: string;
}

/**
 * A request with the operator's own token, marked as a probe (User-Agent) so that the RBAC
 * minimality check does not count it: what kube-apiserver answers, refused or not.
 */
function asOperator(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Answer> {
  const config = parse(readFileSync(operatorKubeconfig(), 'utf8')) as {
    clusters: { cluster: { server: string; 'certificate-authority-data': string } }[];
    users: { user: { token: string } }[];
  };
  const cluster = config.clusters[0]?.cluster;
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      new URL(path, cluster?.server),
      {
        method,
        ca: Buffer.from(cluster?.['certificate-authority-data'] ?? '', 'base64'),
        headers: {
          authorization: `Bearer ${config.users[0]?.user.token ?? ''}`,
          'user-agent': confinementProbeAgent,
          accept: 'application/json',
          ...(payload === undefined ? {} : { 'content-type': contentType }),
        },
      },
      (response) => {
        let text = '';
        response
          .setEncoding('utf8')
          .on('data', (chunk: string) => (text += chunk))
          .on('end', () => {
            const status = (() => {
              try {
                return JSON.parse(text) as { message?: string };
              } catch {
                return {};
              }
            })();
            resolve({ code: response.statusCode ?? 0, message: status.message ?? text });
          });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

function refused(answer: Answer, pattern: RegExp): void {
  assert.equal(answer.code, 403, `expected a refusal, got ${answer.code}: ${answer.message}`);
  assert.match(answer.message, pattern);
}

const applyPath = (path: string): string => `${path}?fieldManager=${fieldManager}&force=true`;
const applyType = 'application/apply-patch+yaml';

/** The objects of every kind an owner may create that the operator may only patch, each held by an owner's finalizer. */
function heldByOwner(namespace: string): (k8s.KubernetesObject & { spec: object })[] {
  const metadata = (name: string) => ({ name, namespace, finalizers: ['example.com/hold'] });
  const labels = { app: 'held' };
  const podSpec = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: 'registry.example.com/app:1',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
  const template = { metadata: { labels }, spec: podSpec };
  return [
    { apiVersion: 'v1', kind: 'Pod', metadata: metadata('held'), spec: podSpec },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: metadata('held'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata('held'),
      spec: { replicas: 0, serviceName: 'held', selector: { matchLabels: labels }, template },
    },
    {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: metadata('held'),
      spec: { replicas: 0, selector: { matchLabels: labels }, template },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: metadata('held'),
      spec: { suspend: true, template: { spec: { ...podSpec, restartPolicy: 'Never' } } },
    },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: metadata('held'),
      spec: { suspend: true, schedule: '0 0 * * *', jobTemplate: { spec: { template: { spec: { ...podSpec, restartPolicy: 'Never' } } } } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadata('held'),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'held' }, minReplicas: 1, maxReplicas: 2 },
    },
    {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: metadata('held'),
      spec: { minAvailable: 1, selector: { matchLabels: labels } },
    },
    // A host of the tenant's own domain: the tenant namespaces' admission policies refuse any other.
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: metadata('held'),
      spec: {
        rules: [
          {
            host: `held.${tenantDomain}`,
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'held', port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ];
}

describe('the operator, confined to its own and tenant namespaces', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;

  before(async function () {
    kc = await prepareCluster();
    operator = startOperator();
    // Delete: its database goes with it, so that the spec runs again in a reused environment.
    await applyObjects(kc, [tenantManifest(tenant, { database: { deletionPolicy: 'Delete' }, network: { domains: [tenantDomain] } })]);
    await waitForReady(kc, tenant);
  });

  after(async function () {
    await deleteTenant(kc, tenant).catch(() => undefined);
    await eventually(`tenant ${tenant} to be gone`, () => isGone(() => readTenant(kc, tenant)), 90_000).catch(() => undefined);
    await operator?.stop();
  });

  /** What kube-apiserver's authorizer says the operator's identity may do (admission is not asked). */
  async function authorized(attributes: k8s.V1ResourceAttributes): Promise<boolean> {
    const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
      body: {
        spec: { user: operatorUser, groups: operatorGroups, resourceAttributes: attributes },
      },
    });
    return review.status?.allowed ?? false;
  }

  it('is what the chart renders: no Secret of the configuration outside the release namespace, the policy unless turned off', function () {
    const regions = operatorRegions();
    const elsewhere = {
      ...regions,
      'eu-central-1': {
        ...regions['eu-central-1'],
        database: { ...regions['eu-central-1']?.database, adminSecret: { namespace: 'kube-system', name: 'postgres-admin' } },
      },
    };
    assert.throws(
      () => renderChart(chartValuesFor({ regions: elsewhere }), ['operator-rbac.yaml']),
      /names Secret\(s\) \[postgres-admin\] in namespace kube-system: the operator reads Secrets only in its own namespace/,
    );
    assert.match(renderChart(chartValuesFor({ regions }), ['operator-confinement.yaml']), /kind: ValidatingAdmissionPolicyBinding/);
    const off = { ...chartValuesFor({ regions }), rbac: { confinementPolicy: false } };
    assert.throws(() => renderChart(off, ['operator-confinement.yaml']), /could not find template|has no resources|no templates/i);
  });

  it('binds its tenant-namespace role to itself in tenant namespaces (and the regions’ pool namespaces) only, held by its own finalizer', async function () {
    const bindings = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).listRoleBindingForAllNamespaces();
    const ours = bindings.items.filter((b) => b.roleRef.name === operatorTenantClusterRole);
    assert.ok(ours.length > 0);
    assert.deepEqual(
      // A shared release's pool namespace (decision 0050) is the operator's too, when a spec before this one made it.
      ours
        .map((b) => b.metadata?.namespace ?? '')
        .filter((namespace) => !namespace.startsWith('tenant-') && !namespace.startsWith('bulkhead-pool-')),
      [],
    );
    const binding = ours.find((b) => b.metadata?.namespace === tenantNamespace);
    assert.deepEqual(
      binding?.subjects?.map(({ kind, name, namespace }) => ({ kind, name, namespace })),
      [{ kind: 'ServiceAccount', name: operatorServiceAccount, namespace: chartNamespace }],
    );
    assert.deepEqual(binding?.metadata?.finalizers, ['bulkhead.dev/operator-access']);
  });

  it('holds no Secret read and no write in kube-system or default, and Secrets and writes in its tenant namespaces (SubjectAccessReview)', async function () {
    for (const namespace of ['kube-system', 'default']) {
      assert.equal(
        await authorized({ namespace, verb: 'create', group: 'apps', resource: 'deployments' }),
        false,
        `create deployments in ${namespace}`,
      );
      assert.equal(await authorized({ namespace, verb: 'get', resource: 'secrets', name: 'any' }), false, `get secrets in ${namespace}`);
      assert.equal(await authorized({ namespace, verb: 'list', resource: 'secrets' }), false, `list secrets in ${namespace}`);
      assert.equal(await authorized({ namespace, verb: 'create', resource: 'configmaps' }), false, `create configmaps in ${namespace}`);
      assert.equal(await authorized({ namespace, verb: 'patch', resource: 'pods', name: 'any' }), false, `patch pods in ${namespace}`);
    }
    assert.equal(await authorized({ verb: 'list', resource: 'secrets' }), false, 'list secrets cluster-wide');
    assert.equal(await authorized({ verb: 'watch', resource: 'secrets' }), false, 'watch secrets cluster-wide');
    assert.equal(await authorized({ namespace: tenantNamespace, verb: 'get', resource: 'secrets', name: `${tenant}-database` }), true);
    assert.equal(await authorized({ namespace: tenantNamespace, verb: 'create', group: 'apps', resource: 'deployments' }), true);
    // No other RoleBinding name, no other role to bind, nothing cluster-wide to bind with.
    assert.equal(
      await authorized({
        namespace: 'kube-system',
        verb: 'create',
        group: 'rbac.authorization.k8s.io',
        resource: 'rolebindings',
        name: 'other',
      }),
      false,
    );
    assert.equal(
      await authorized({ verb: 'bind', group: 'rbac.authorization.k8s.io', resource: 'clusterroles', name: 'cluster-admin' }),
      false,
    );
    assert.equal(await authorized({ verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' }), false);
    // Admission never sees writes to admission policies: RBAC alone must keep it off its own, and
    // off creating new ones (a policy refusing everything would stop the cluster).
    for (const resource of ['validatingadmissionpolicies', 'validatingadmissionpolicybindings']) {
      for (const verb of ['patch', 'update', 'delete']) {
        assert.equal(
          await authorized({ verb, group: 'admissionregistration.k8s.io', resource, name: 'bulkhead-operator-confinement' }),
          false,
          `${verb} ${resource}`,
        );
      }
      assert.equal(
        await authorized({ verb: 'create', group: 'admissionregistration.k8s.io', resource }),
        false,
        `create ${resource} by any name`,
      );
    }
    // RBAC does allow its own RoleBinding name anywhere (it must exist before anything else in a new
    // namespace): the admission policy is what refuses it outside tenant namespaces (next test).
    assert.equal(
      await authorized({
        namespace: 'kube-system',
        verb: 'create',
        group: 'rbac.authorization.k8s.io',
        resource: 'rolebindings',
        name: 'bulkhead-operator',
      }),
      true,
    );
  });

  it('is refused a Deployment, a Secret and its own RoleBinding in kube-system and default when it tries', async function () {
    for (const namespace of ['kube-system', 'default']) {
      const deployment = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'escape', namespace },
        spec: {
          selector: { matchLabels: { a: 'b' } },
          template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } },
        },
      };
      refused(
        await asOperator('POST', `/apis/apps/v1/namespaces/${namespace}/deployments`, deployment),
        /cannot create resource "deployments"/,
      );
      refused(await asOperator('GET', `/api/v1/namespaces/${namespace}/secrets/any`), /cannot get resource "secrets"/);
      refused(await asOperator('GET', `/api/v1/namespaces/${namespace}/secrets`), /cannot list resource "secrets"/);
      const binding = buildOperatorAccessBinding({ name: tenant, uid: '00000000-0000-0000-0000-000000000001' }, namespace, accessIdentity);
      refused(
        await asOperator(
          'PATCH',
          applyPath(`/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}/rolebindings/bulkhead-operator`),
          binding,
          applyType,
        ),
        new RegExp(`${policyRule.source}the operator writes only in tenant namespaces`),
      );
    }
    refused(await asOperator('GET', '/api/v1/secrets'), /cannot list resource "secrets"/);
  });

  it("is refused labelling kube-system, or any existing namespace, as a tenant's", async function () {
    const label = { metadata: { labels: { 'bulkhead.dev/tenant': 'system', 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    refused(
      await asOperator('PATCH', '/api/v1/namespaces/kube-system', label, 'application/merge-patch+json'),
      new RegExp(`${policyRule.source}the operator may change or delete only a tenant namespace`),
    );
    // A namespace that merely looks like a tenant's (someone else's tenant-squat) cannot be adopted either.
    await applyObjects(kc, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'tenant-squat' } }]);
    const squat = { metadata: { labels: { 'bulkhead.dev/tenant': 'squat', 'pod-security.kubernetes.io/enforce': 'restricted' } } };
    refused(
      await asOperator('PATCH', '/api/v1/namespaces/tenant-squat', squat, 'application/merge-patch+json'),
      new RegExp(`${policyRule.source}the operator may change or delete only a tenant namespace`),
    );
    refused(
      await asOperator('DELETE', '/api/v1/namespaces/tenant-squat'),
      new RegExp(`${policyRule.source}the operator may change or delete only a tenant namespace`),
    );
    refused(
      await asOperator('DELETE', `/api/v1/namespaces/${chartNamespace}`),
      new RegExp(`${policyRule.source}the operator may change or delete only a tenant namespace`),
    );
    await kc.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: 'tenant-squat' });
  });

  it("is refused a namespace that is not a tenant's: another name, a mismatched label, no Pod Security restricted", async function () {
    const namespace = (name: string, labels: Record<string, string>) => ({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels },
    });
    const create = new RegExp(`${policyRule.source}the operator may create a namespace only as a tenant's`);
    refused(await asOperator('POST', '/api/v1/namespaces', namespace('escape', { 'bulkhead.dev/tenant': 'escape' })), create);
    refused(
      await asOperator(
        'POST',
        '/api/v1/namespaces',
        namespace('tenant-one', { 'bulkhead.dev/tenant': 'two', 'pod-security.kubernetes.io/enforce': 'restricted' }),
      ),
      create,
    );
    refused(
      await asOperator(
        'POST',
        '/api/v1/namespaces',
        namespace('tenant-lax', { 'bulkhead.dev/tenant': 'lax', 'pod-security.kubernetes.io/enforce': 'privileged' }),
      ),
      create,
    );
    refused(
      await asOperator(
        'PATCH',
        `/api/v1/namespaces/${tenantNamespace}`,
        { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
        'application/merge-patch+json',
      ),
      new RegExp(`${policyRule.source}the operator may not take a tenant namespace's tenant label`),
    );
  });

  it('is refused binding the owner role or its read-only twin to everyone, or widening the owner role, even in its tenant namespace', async function () {
    const everyone = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenant-owners', namespace: tenantNamespace },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'bulkhead-tenant-owner' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:authenticated' }],
    };
    refused(
      await asOperator(
        'PATCH',
        applyPath(`/apis/rbac.authorization.k8s.io/v1/namespaces/${tenantNamespace}/rolebindings/tenant-owners`),
        everyone,
        applyType,
      ),
      new RegExp(`${policyRule.source}the operator binds only ${operatorTenantClusterRole} to itself`),
    );
    // Nor its read-only twin, which a suspended tenant's owners are bound to.
    const everyoneReads = {
      ...everyone,
      metadata: { name: 'tenant-owners-read-only', namespace: tenantNamespace },
      roleRef: { ...everyone.roleRef, name: 'bulkhead-tenant-owner-read-only' },
    };
    refused(
      await asOperator(
        'PATCH',
        applyPath(`/apis/rbac.authorization.k8s.io/v1/namespaces/${tenantNamespace}/rolebindings/tenant-owners-read-only`),
        everyoneReads,
        applyType,
      ),
      new RegExp(`${policyRule.source}the operator binds only ${operatorTenantClusterRole} to itself`),
    );
    const elsewhere = buildOperatorAccessBinding({ name: tenant, uid: '00000000-0000-0000-0000-000000000001' }, tenantNamespace, {
      ...accessIdentity,
      serviceAccount: 'default',
      serviceAccountNamespace: tenantNamespace,
    });
    refused(
      await asOperator(
        'PATCH',
        applyPath(`/apis/rbac.authorization.k8s.io/v1/namespaces/${tenantNamespace}/rolebindings/bulkhead-operator`),
        elsewhere,
        applyType,
      ),
      new RegExp(`${policyRule.source}the operator binds only ${operatorTenantClusterRole} to itself`),
    );
    const role = buildTenantOwnerClusterRole('bulkhead-tenant-owner');
    const wider = {
      ...role,
      rules: [...role.rules, { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['delete'] }],
    };
    refused(
      await asOperator('PATCH', applyPath('/apis/rbac.authorization.k8s.io/v1/clusterroles/bulkhead-tenant-owner'), wider, applyType),
      new RegExp(`${policyRule.source}the tenant-owner ClusterRole may not`),
    );
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'another-lease', namespace: chartNamespace } };
    refused(
      await asOperator('POST', `/apis/coordination.k8s.io/v1/namespaces/${chartNamespace}/leases`, lease),
      new RegExp(`${policyRule.source}the operator writes only in tenant namespaces`),
    );
  });

  it('lets a tenant namespace someone else deleted go, then makes it again, its binding first', async function () {
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const before = (await core.readNamespace({ name: tenantNamespace })).metadata?.uid;
    const logsBefore = operator?.logs.length ?? 0;
    await core.deleteNamespace({ name: tenantNamespace });
    await eventually(
      'the namespace to be made again',
      async () => {
        const now = await core.readNamespace({ name: tenantNamespace }).catch(() => undefined);
        return now?.metadata?.uid !== before && !now?.metadata?.deletionTimestamp ? now : undefined;
      },
      90_000,
    );
    await waitForReady(kc, tenant, 90_000);
    // Waiting for the namespace is progress, not failure: no retry with failure backoff (from 5 ms) for it.
    const waitedAsFailure = (operator?.logs ?? [])
      .slice(logsBefore)
      .filter((line) => line.message === 'Reconciler error' && line.key === tenant && String(line.error).includes('waiting for namespace'));
    assert.equal(
      waitedAsFailure.length,
      0,
      `reconciles failed while the namespace terminated: ${JSON.stringify(waitedAsFailure.slice(0, 2))}`,
    );
    const binding = await kc
      .makeApiClient(k8s.RbacAuthorizationV1Api)
      .readNamespacedRoleBinding({ namespace: tenantNamespace, name: 'bulkhead-operator' });
    assert.equal(binding.roleRef.name, operatorTenantClusterRole);
  });

  // kube-controller-manager deletes a namespace's pods first and the rest after (ordered namespace
  // deletion): the operator, with only its confined rights, must drop owners' finalizers in either
  // phase, which needs its binding to outlive the rest of the namespace.
  it("keeps its access while the tenant namespace terminates, drops owners' finalizers in both phases, then lets the namespace go", async function () {
    const held = heldByOwner(tenantNamespace);
    await applyObjects(kc, held);
    await deleteTenant(kc, tenant);
    const core = kc.makeApiClient(k8s.CoreV1Api);
    await eventually('the namespace to be gone', () => isGone(() => core.readNamespace({ name: tenantNamespace })), 90_000);
    await eventually(`tenant ${tenant} to be gone`, () => isGone(() => readTenant(kc, tenant)), 90_000);
    const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${tenant}` });
    const removed = events.items.filter((event) => event.reason === 'OwnerFinalizersRemoved').map((event) => event.message ?? '');
    for (const { kind, metadata } of held) {
      const what = `${kind ?? ''} ${tenantNamespace}/${metadata?.name ?? ''}`;
      assert.ok(
        removed.some((message) => message.startsWith(`Removed finalizer example.com/hold from ${what}:`)),
        `the operator dropped the finalizer on ${what} (events: ${removed.join(' | ')})`,
      );
    }
  });
});
