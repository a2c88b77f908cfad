/**
 * `bulkhead audit --probe` on the real node: two tenants onboarded by the operator, their apps
 * running, and the audit's probe pods (labelled as the apps' pods) trying every ordered pair of the
 * tenants and the ingress namespace on the app's port. On a normal fleet the wire agrees with the
 * NetworkPolicies and the report says what was measured and when instead of "cannot prove
 * enforcement"; with the policy enforcer (kube-router) stopped, the policies still say refused but
 * new pods are not filtered, and the audit says EnforcementMismatch; the operator's periodic audit
 * probes too when audit.probes is on, under the chart's RBAC and confinement, and publishes the
 * probed matrix; allow-all policies added by a cluster admin show in the observed matrix as the
 * connections they open; no probe pod is left afterwards.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import {
  clusterRanges,
  eventually,
  importProductApp,
  startComponent,
  stopComponent,
  testEnvironment,
  type Environment,
} from '@bulkhead/testenv';
import { parseOperatorConfig, type OperatorConfig } from '../../src/api/operator-config.js';
import { readPublishedReport } from '../../src/audit/publish.js';
import { networkEnforcementLimitation, parseReport } from '../../src/audit/report/index.js';
import type { UnsignedReport } from '../../src/audit/report/schema.js';
import { runAudit } from '../../src/audit/run.js';
import { probeRunLabel } from '../../src/audit/wire/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { applyObjects } from '../support/cluster.js';
import { testChartVersions } from '../support/charts.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { condition, deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from '../support/tenants.js';

const [a, b] = ['probe-a', 'probe-b'];
const [nsA, nsB] = [`tenant-${a}`, `tenant-${b}`];
const ingressNamespace = 'ingress-nginx';
const signingSecret = { namespace: 'bulkhead-system', name: 'probe-audit-signing-key' };
const reportConfigMap = 'probe-audit-report';

type Probed = NonNullable<UnsignedReport['probed']>;
const cell = (probed: Probed, from: string, to: string) => probed.cells.find((c) => c.from === from && c.to === to);

describe('bulkhead audit --probe (real node)', function () {
  this.timeout(300_000);
  let env: Environment;
  let admin: k8s.KubeConfig;
  let client: KubeClient;
  let config: OperatorConfig;
  let operator: OperatorProcess | undefined;

  const audit = async () =>
    (
      await runAudit({
        client,
        config,
        scope: { kind: 'all' },
        liveProbes: false,
        previous: null,
        wire: { platformNamespaces: [ingressNamespace], concurrency: 2, fieldManager: 'bulkhead-audit' },
      })
    ).report;
  const enforcement = (report: UnsignedReport) =>
    report.checks.filter((check) => check.id === 'network.enforcement').map((check) => [check.tenant, check.result, check.reason]);

  before(async function () {
    env = testEnvironment();
    assert.equal(env.network.node, 'real', 'these specs need a real node: run them with make test-node');
    admin = await prepareCluster();
    client = KubeClient.load(env.kubeconfig);
    config = parseOperatorConfig({ regions: operatorRegions(), network: { clusterCIDRs: clusterRanges(env) } });
    importProductApp(env, [testChartVersions.current]);
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
    await applyObjects(admin, [tenantManifest(a), tenantManifest(b)]);
    await admin
      .makeApiClient(k8s.CoreV1Api)
      .createNamespace({ body: { metadata: { name: ingressNamespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } })
      .catch(() => undefined);
    const { privateKey } = generateKeyPairSync('ed25519');
    await admin.makeApiClient(k8s.CoreV1Api).createNamespacedSecret({
      namespace: signingSecret.namespace,
      body: {
        metadata: { name: signingSecret.name },
        stringData: { 'private.pem': privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() },
      },
    });
    await Promise.all([waitForReady(admin, a, 180_000), waitForReady(admin, b, 180_000)]);
  });

  after(async function () {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    for (const namespace of [nsA, nsB])
      await networking.deleteNamespacedNetworkPolicy({ namespace, name: 'allow-all' }).catch(() => undefined);
    await admin
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespace({ name: ingressNamespace })
      .catch(() => undefined);
    await admin
      .makeApiClient(k8s.CoreV1Api)
      .deleteNamespacedSecret(signingSecret)
      .catch(() => undefined);
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
    assert.deepEqual(
      probed.cells.filter((c) => c.unknown.length > 0),
      [],
      'every attempt was answered',
    );
    assert.deepEqual(cell(probed, nsA, nsA)?.observed, ['tcp/8080'], 'the control: a tenant reaches its own namespace');
    assert.deepEqual(cell(probed, ingressNamespace, nsA)?.observed, ['tcp/8080'], 'the ingress controller reaches the app port');
    assert.deepEqual(cell(probed, nsA, nsB)?.observed, [], 'a → b refused on the wire');
    assert.deepEqual(cell(probed, nsB, nsA)?.observed, [], 'b → a refused on the wire');
    assert.deepEqual(cell(probed, nsA, ingressNamespace)?.observed, [], 'a tenant cannot open the ingress namespace');
    assert.deepEqual(enforcement(report), [
      [a, 'pass', 'Verified'],
      [b, 'pass', 'Verified'],
    ]);
    assert.ok(!report.limitations.includes(networkEnforcementLimitation), 'the "cannot prove enforcement" sentence is replaced');
    assert.ok(
      report.limitations.some((sentence) =>
        sentence.startsWith(`Enforcement was measured between ${probed.startedAt} and ${probed.finishedAt}`),
      ),
    );
  });

  it('says EnforcementMismatch while the policy enforcer is stopped: the policies refuse a → b, the unfiltered new pods connect', async function () {
    // kube-router leaves its rules behind when it stops, but never adds the new probe pods to them.
    const enforcer = await stopComponent(env, 'kube-router');
    let report: UnsignedReport;
    try {
      report = await audit();
    } finally {
      startComponent(env, enforcer);
    }
    const probed = report.probed as Probed;
    assert.deepEqual(cell(probed, nsA, nsB), { from: nsA, to: nsB, predicted: [], observed: ['tcp/8080'], unknown: [] });
    assert.deepEqual(enforcement(report), [
      [a, 'fail', 'EnforcementMismatch'],
      [b, 'fail', 'EnforcementMismatch'],
    ]);
    const mismatch = report.checks.find((check) => check.tenant === a && check.id === 'network.enforcement');
    assert.match(mismatch?.message ?? '', new RegExp(`${nsA} → ${nsB} tcp/8080: the policies say refused, the wire connected`));
    assert.ok(
      report.limitations.some((sentence) => /attempt\(s\) disagreed/.test(sentence)),
      'the limitation says the wire disagreed',
    );
    // With the enforcer back, the wire agrees again (it syncs every pod's rules when it starts).
    await eventually(
      'the restarted enforcer to filter the probes again',
      async () => (enforcement(await audit()).every(([, result]) => result === 'pass') ? true : undefined),
      120_000,
    );
  });

  it("lets the operator's periodic audit probe too (audit.probes, under the chart's RBAC and confinement) and publish the probed matrix", async function () {
    await operator?.stop();
    operator = startOperator({
      network: { clusterCIDRs: clusterRanges(env) },
      audit: {
        enabled: true,
        initialDelaySeconds: 1,
        intervalSeconds: 3600,
        signingKeySecret: signingSecret,
        reportConfigMap,
        probes: { enabled: true, concurrency: 2 },
      },
    });
    const published = await eventually(
      'the published report',
      () => readPublishedReport(client, { namespace: signingSecret.namespace, name: reportConfigMap }),
      180_000,
    );
    const report = parseReport(published);
    const probed = report.probed as Probed;
    assert.ok(probed, 'the operator probed on the wire');
    assert.deepEqual(probed.namespaces, [nsA, nsB], 'tenant namespaces only: the operator runs pods nowhere else');
    assert.deepEqual(
      probed.cells.filter((c) => c.unknown.length > 0),
      [],
      'every attempt was answered',
    );
    assert.deepEqual(cell(probed, nsA, nsA)?.observed, ['tcp/8080']);
    assert.deepEqual(cell(probed, nsA, nsB), { from: nsA, to: nsB, predicted: [], observed: [], unknown: [] });
    assert.deepEqual(enforcement(report), [
      [a, 'pass', 'Verified'],
      [b, 'pass', 'Verified'],
    ]);
    for (const name of [a, b]) {
      await eventually(
        `${name} IsolationVerified`,
        async () => (condition(await readTenant(admin, name), 'IsolationVerified')?.status === 'True' ? true : undefined),
        60_000,
      );
    }
    await operator.stop();
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
  });

  it('shows the connections allow-all policies open once a cluster admin adds them to both tenants', async function () {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    for (const namespace of [nsA, nsB]) {
      await networking.createNamespacedNetworkPolicy({
        namespace,
        body: {
          metadata: { name: 'allow-all' },
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
        },
      });
    }
    // The enforcer applies policies asynchronously: until it has, the wire and the policies may disagree.
    const report = await eventually(
      'the probes to see a → b open and agree with the policies',
      async () => {
        const candidate = await audit();
        const probed = candidate.probed;
        const open = probed && cell(probed, nsA, nsB)?.observed.includes('tcp/8080');
        return open && enforcement(candidate).every(([, result]) => result === 'pass') ? candidate : undefined;
      },
      120_000,
    );
    const probed = report.probed as Probed;
    assert.deepEqual(cell(probed, nsB, nsA)?.observed, ['tcp/8080'], 'b → a opens too');
    assert.deepEqual(cell(probed, nsB, ingressNamespace)?.observed, ['tcp/8080'], 'and b → the ingress namespace');
    assert.deepEqual(cell(probed, nsA, nsB)?.predicted, ['tcp/8080'], 'as the analyzer predicts for these pods');
    assert.ok(report.checks.some((check) => check.tenant === b && check.id === 'network.ingress' && check.reason === 'UndeclaredIngress'));
  });

  it('leaves no probe pod behind', async function () {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await eventually(
      'every probe pod to be gone',
      async () => (await core.listPodForAllNamespaces({ labelSelector: probeRunLabel })).items.length === 0,
      60_000,
    );
  });
});
