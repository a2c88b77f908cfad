/**
 * `bulkhead audit --probe` on the real node: two tenants onboarded by the operator, their apps
 * running, and the audit's probe pods (labelled as the apps' pods) trying every ordered pair of the
 * tenants and the ingress namespace on the app's port. On a normal fleet the wire agrees with the
 * NetworkPolicies and the report says what was measured and when instead of "cannot prove
 * enforcement"; allow-all policies added by a cluster admin show in the observed matrix as the
 * connections they open; no probe pod is left afterwards.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { clusterRanges, eventually, importProductApp, testEnvironment, type Environment } from '@bulkhead/testenv';
import { parseOperatorConfig, type OperatorConfig } from '../../src/api/operator-config.js';
import { networkEnforcementLimitation } from '../../src/audit/report/index.js';
import type { UnsignedReport } from '../../src/audit/report/schema.js';
import { runAudit } from '../../src/audit/run.js';
import { probeRunLabel } from '../../src/audit/wire/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { applyObjects } from '../support/cluster.js';
import { testChartVersions } from '../support/charts.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { deleteTenantsAndWait, tenantManifest, waitForReady } from '../support/tenants.js';

const [a, b] = ['probe-a', 'probe-b'];
const [nsA, nsB] = [`tenant-${a}`, `tenant-${b}`];
const ingressNamespace = 'ingress-nginx';

type Probed = NonNullable<UnsignedReport['probed']>;
const cell = (probed: Probed, from: string, to: string) => probed.cells.find((c) => c.from === from && c.to === to);

describe('bulkhead audit --probe (real node)', function () {
  this.timeout(300_000);
  let env: Environment;
  let admin: k8s.KubeConfig;
  let client: KubeClient;
  let config: OperatorConfig;
  let operator: OperatorProcess | undefined;

  const audit = async () => (await runAudit({
    client, config, scope: { kind: 'all' }, liveProbes: false, previous: null,
    wire: { platformNamespaces: [ingressNamespace], concurrency: 2, fieldManager: 'bulkhead-audit' },
  })).report;
  const enforcement = (report: UnsignedReport) => report.checks.filter((check) => check.id === 'network.enforcement').map((check) => [check.tenant, check.result, check.reason]);

  before(async function () {
    env = testEnvironment();
    assert.equal(env.network.node, 'real', 'these specs need a real node: run them with make test-node');
    admin = await prepareCluster();
    client = KubeClient.load(env.kubeconfig);
    config = parseOperatorConfig({ regions: operatorRegions(), network: { clusterCIDRs: clusterRanges(env) } });
    importProductApp(env, [testChartVersions.current]);
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
    await applyObjects(admin, [tenantManifest(a), tenantManifest(b)]);
    await admin.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: ingressNamespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } }).catch(() => undefined);
    await Promise.all([waitForReady(admin, a, 180_000), waitForReady(admin, b, 180_000)]);
  });

  after(async function () {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    for (const namespace of [nsA, nsB]) await networking.deleteNamespacedNetworkPolicy({ namespace, name: 'allow-all' }).catch(() => undefined);
    await admin.makeApiClient(k8s.CoreV1Api).deleteNamespace({ name: ingressNamespace }).catch(() => undefined);
    await deleteTenantsAndWait(admin, [a, b], 180_000);
    await operator?.stop();
    client.close();
  });

  it('measures every ordered pair, agrees with the NetworkPolicies, and says what it measured and when', async function () {
    const report = await audit();
    const probed = report.probed;
    assert.ok(probed, 'the report carries the probed matrix');
    assert.deepEqual(probed.namespaces, [nsA, nsB, ingressNamespace]);
    assert.deepEqual(probed.ports, ['tcp/8080']);
    assert.deepEqual(probed.cells.filter((c) => c.unknown.length > 0), [], 'every attempt was answered');
    assert.deepEqual(cell(probed, nsA, nsA)?.observed, ['tcp/8080'], 'the control: a tenant reaches its own namespace');
    assert.deepEqual(cell(probed, ingressNamespace, nsA)?.observed, ['tcp/8080'], 'the ingress controller reaches the app port');
    assert.deepEqual(cell(probed, nsA, nsB)?.observed, [], 'a → b refused on the wire');
    assert.deepEqual(cell(probed, nsB, nsA)?.observed, [], 'b → a refused on the wire');
    assert.deepEqual(cell(probed, nsA, ingressNamespace)?.observed, [], 'a tenant cannot open the ingress namespace');
    assert.deepEqual(enforcement(report), [[a, 'pass', 'Verified'], [b, 'pass', 'Verified']]);
    assert.ok(!report.limitations.includes(networkEnforcementLimitation), 'the "cannot prove enforcement" sentence is replaced');
    assert.ok(report.limitations.some((sentence) => sentence.startsWith(`Enforcement was measured between ${probed.startedAt} and ${probed.finishedAt}`)));
  });

  it('shows the connections allow-all policies open once a cluster admin adds them to both tenants', async function () {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    for (const namespace of [nsA, nsB]) {
      await networking.createNamespacedNetworkPolicy({ namespace, body: { metadata: { name: 'allow-all' },
        spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] } } });
    }
    // The enforcer applies policies asynchronously: until it has, the wire and the policies may disagree.
    const report = await eventually('the probes to see a → b open and agree with the policies', async () => {
      const candidate = await audit();
      const probed = candidate.probed;
      const open = probed && cell(probed, nsA, nsB)?.observed.includes('tcp/8080');
      return open && enforcement(candidate).every(([, result]) => result === 'pass') ? candidate : undefined;
    }, 120_000);
    const probed = report.probed as Probed;
    assert.deepEqual(cell(probed, nsB, nsA)?.observed, ['tcp/8080'], 'b → a opens too');
    assert.deepEqual(cell(probed, nsB, ingressNamespace)?.observed, ['tcp/8080'], 'and b → the ingress namespace');
    assert.deepEqual(cell(probed, nsA, nsB)?.predicted, ['tcp/8080'], 'as the analyzer predicts for these pods');
    assert.ok(report.checks.some((check) => check.tenant === b && check.id === 'network.ingress' && check.reason === 'UndeclaredIngress'));
  });

  it('leaves no probe pod behind', async function () {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await eventually('every probe pod to be gone', async () =>
      (await core.listPodForAllNamespaces({ labelSelector: probeRunLabel })).items.length === 0, 60_000);
  });
});
