/**
 * `helm install` of charts/bulkhead into the local control plane: the operator's and the API's
 * Deployments come up (KWOK runs their pods) under Pod Security restricted, with the
 * PodDisruptionBudgets, NetworkPolicies, metrics Services, probes, security context and the
 * operator's confinement (its tenant-namespace role, the admission policy) the chart promises; `helm uninstall` removes them and keeps the CRDs and the API's token Secret, as Helm
 * does. The chart's identities already exist (every spec's operator runs as them), so the install
 * takes them over and the spec puts them back afterwards.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { eventually } from '../support/cluster.js';
import { chartDir, chartNamespace, installChartIdentities } from '../support/operator-identity.js';
import { operatorRegions } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';

const release = 'bulkhead';
const restricted = 'pod-security.kubernetes.io/enforce';

function helm(...args: string[]): string {
  const env = testEnvironment();
  return execFileSync(env.helm, ['--kubeconfig', env.kubeconfig, ...args], { encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
}

/** The test operator's regions (so the credentials Roles match), and an image nothing pulls: KWOK runs no containers. */
const installFlags = (): string[] => [
  '--set-json',
  `operator.config.regions=${JSON.stringify(operatorRegions())}`,
  '--set-json',
  `image=${JSON.stringify({ repository: 'localhost/bulkhead', tag: 'test', pullPolicy: 'Never' })}`,
  '--set',
  'api.auditTrail.disabled=true',
];

describe('helm install of charts/bulkhead', function () {
  let kc: k8s.KubeConfig;
  let apps: k8s.AppsV1Api;
  let core: k8s.CoreV1Api;

  before(async function () {
    kc = await prepareCluster();
    apps = kc.makeApiClient(k8s.AppsV1Api);
    core = kc.makeApiClient(k8s.CoreV1Api);
    // The pods must pass Pod Security restricted, or admission refuses them.
    await core.patchNamespace(
      { name: chartNamespace, body: { metadata: { labels: { [restricted]: 'restricted' } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
  });

  after(async function () {
    try {
      helm('uninstall', release, '--namespace', chartNamespace, '--wait');
    } catch {
      // already uninstalled by the spec
    }
    await core.patchNamespace(
      { name: chartNamespace, body: { metadata: { labels: { [restricted]: null } } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    // The uninstall deleted the ServiceAccounts; the specs after this one need them and new tokens.
    await installChartIdentities(kc, { regions: operatorRegions() }, true);
  });

  it('brings both Deployments up with their disruption budgets, network policies, probes and restricted security context', async function () {
    helm('install', release, chartDir, '--namespace', chartNamespace, '--take-ownership', '--wait', '--timeout', '3m', ...installFlags());
    for (const name of ['bulkhead-operator', 'bulkhead-api']) {
      const deployment = await eventually(
        `${name} to have 2 available replicas`,
        async () => {
          const live = await apps.readNamespacedDeployment({ namespace: chartNamespace, name });
          return live.status?.availableReplicas === 2 ? live : undefined;
        },
        90_000,
      );
      const pod = deployment.spec?.template.spec;
      const container = pod?.containers[0];
      assert.equal(pod?.securityContext?.runAsNonRoot, true);
      assert.equal(pod?.securityContext?.seccompProfile?.type, 'RuntimeDefault');
      assert.equal(container?.securityContext?.allowPrivilegeEscalation, false);
      assert.equal(container?.securityContext?.readOnlyRootFilesystem, true);
      assert.deepEqual(container?.securityContext?.capabilities?.drop, ['ALL']);
      assert.equal(container?.livenessProbe?.httpGet?.path, '/healthz');
      assert.equal(container?.readinessProbe?.httpGet?.path, '/readyz');
      assert.ok(container?.resources?.requests?.memory && container.resources.limits?.memory, `${name} has memory requests and limits`);
      const pods = await core.listNamespacedPod({
        namespace: chartNamespace,
        labelSelector: `app.kubernetes.io/component=${name.replace('bulkhead-', '')}`,
      });
      assert.deepEqual(
        pods.items.map((p) => p.status?.phase),
        ['Running', 'Running'],
      );
      assert.ok(
        pods.items.every((p) => p.spec?.serviceAccountName === name),
        'each pod runs as its chart ServiceAccount',
      );
    }
    const policy = kc.makeApiClient(k8s.PolicyV1Api);
    for (const name of ['bulkhead-operator', 'bulkhead-api']) {
      await eventually(`PodDisruptionBudget ${name} to count 2 healthy pods`, async () => {
        const pdb = await policy.readNamespacedPodDisruptionBudget({ namespace: chartNamespace, name });
        return pdb.status?.currentHealthy === 2 && pdb.status.disruptionsAllowed === 1 ? pdb : undefined;
      });
      const netpol = await kc.makeApiClient(k8s.NetworkingV1Api).readNamespacedNetworkPolicy({ namespace: chartNamespace, name });
      assert.deepEqual(netpol.spec?.policyTypes, ['Ingress', 'Egress']);
    }
    for (const [name, port] of [
      ['bulkhead-operator-metrics', 8081],
      ['bulkhead-api-metrics', 8082],
    ] as const) {
      const metrics = await core.readNamespacedService({ namespace: chartNamespace, name });
      assert.deepEqual([metrics.spec?.type, metrics.spec?.ports?.[0]?.port], ['ClusterIP', port], name);
      await eventually(`the metrics Service ${name} to have two ready endpoints`, async () => {
        const slices = await kc.makeApiClient(k8s.DiscoveryV1Api).listNamespacedEndpointSlice({
          namespace: chartNamespace,
          labelSelector: `kubernetes.io/service-name=${name}`,
        });
        return slices.items.flatMap((s) => s.endpoints).filter((e) => e.conditions?.ready).length === 2 || undefined;
      });
    }
    // The API serves its metrics on their own port, which only metricsFrom may reach; its API Service does not carry it.
    const api = await core.readNamespacedService({ namespace: chartNamespace, name: 'bulkhead-api' });
    assert.deepEqual(
      api.spec?.ports?.map((p) => p.name),
      ['http'],
    );
    const apiPolicy = await kc
      .makeApiClient(k8s.NetworkingV1Api)
      .readNamespacedNetworkPolicy({ namespace: chartNamespace, name: 'bulkhead-api' });
    const scrape = apiPolicy.spec?.ingress?.find((rule) => rule.ports?.some((p) => p.port === 8082));
    assert.deepEqual(
      scrape?._from?.map((peer) => peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name']),
      ['monitoring'],
    );
    const config = await core.readNamespacedConfigMap({ namespace: chartNamespace, name: 'bulkhead-api-config' });
    assert.match(config.data?.['config.yaml'] ?? '', /metrics:\n\s+enabled: true\n\s+host: 0\.0\.0\.0\n\s+port: 8082/);
    // The operator's confinement: its tenant-namespace role, and the admission policy, enforced.
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    assert.ok(await rbac.readClusterRole({ name: 'bulkhead-operator-tenant' }));
    const admission = kc.makeApiClient(k8s.AdmissionregistrationV1Api);
    const confinement = await admission.readValidatingAdmissionPolicy({ name: 'bulkhead-operator-confinement' });
    assert.equal(confinement.spec?.failurePolicy, 'Fail');
    assert.equal(
      confinement.spec?.matchConditions?.[0]?.expression,
      "request.userInfo.username == 'system:serviceaccount:bulkhead-system:bulkhead-operator'",
    );
    const binding = await admission.readValidatingAdmissionPolicyBinding({ name: 'bulkhead-operator-confinement' });
    assert.deepEqual(binding.spec?.validationActions, ['Deny']);
  });

  it('helm uninstall removes the release but keeps the CRDs and the token Secret', async function () {
    helm('uninstall', release, '--namespace', chartNamespace, '--wait');
    const deployments = await apps.listNamespacedDeployment({ namespace: chartNamespace });
    assert.deepEqual(
      deployments.items.map((d) => d.metadata?.name),
      [],
    );
    const extensions = kc.makeApiClient(k8s.ApiextensionsV1Api);
    for (const crd of ['tenants.bulkhead.dev', 'tenantplans.bulkhead.dev', 'rollouts.bulkhead.dev']) {
      assert.ok(await extensions.readCustomResourceDefinition({ name: crd }), `${crd} is kept`);
    }
    assert.ok(await core.readNamespacedSecret({ namespace: chartNamespace, name: 'bulkhead-api-tokens' }));
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await assert.rejects(rbac.readClusterRole({ name: 'bulkhead-operator' }), /404|not found/i);
    await assert.rejects(rbac.readClusterRole({ name: 'bulkhead-operator-tenant' }), /404|not found/i);
    await assert.rejects(
      kc.makeApiClient(k8s.AdmissionregistrationV1Api).readValidatingAdmissionPolicy({ name: 'bulkhead-operator-confinement' }),
      /404|not found/i,
    );
  });
});
