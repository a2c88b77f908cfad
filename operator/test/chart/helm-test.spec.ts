/**
 * `helm test`'s Pod: a test hook that Pod Security restricted admits, that the operator's
 * NetworkPolicy lets reach the metrics port, and whose check passes against a real operator and
 * fails when nothing answers. (KWOK runs no containers, so the script itself is run here with this
 * machine's node, as the image's node would run it.)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { renderChart, type ChartObject } from './monitoring.js';

interface TestPod extends ChartObject {
  spec: {
    containers: { command: string[]; args: string[]; env: { name: string; value: string }[]; securityContext: Record<string, unknown> }[];
  };
}

const namespace = 'bulkhead-helm-test';

function testPod(): TestPod {
  const pod = renderChart().find((object) => object.kind === 'Pod' && object.metadata.name === 'bulkhead-operator-health-test');
  if (!pod) throw new Error('the chart rendered no helm test Pod');
  return pod as TestPod;
}

/** Runs the test Pod's command as its container would, against `url`. */
function runCheck(url: string): { status: number | null; output: string } {
  const container = testPod().spec.containers[0];
  assert.deepEqual(container?.command, ['node', '-e']);
  const result = spawnSync(process.execPath, ['-e', container?.args[0] ?? ''], {
    env: { ...process.env, OPERATOR_URL: url },
    encoding: 'utf8',
    timeout: 30_000,
  });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('helm test', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;

  before(async function () {
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    await core
      .createNamespace({ body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } })
      .catch((error: unknown) => {
        if (!String(error).includes('AlreadyExists') && !String(error).includes('409')) throw error;
      });
  });

  after(async function () {
    await operator?.stop();
    await core.deleteNamespace({ name: namespace }).catch(() => undefined);
  });

  it('is a test hook Pod, deleted once it passed, that the operator’s NetworkPolicy lets in', function () {
    const pod = testPod();
    assert.equal(pod.metadata.annotations?.['helm.sh/hook'], 'test');
    assert.match(pod.metadata.annotations?.['helm.sh/hook-delete-policy'] ?? '', /hook-succeeded/);
    assert.equal(pod.metadata.labels?.['app.kubernetes.io/managed-by'], 'Helm');
    const policy = renderChart().find(
      (object) => object.kind === 'NetworkPolicy' && object.metadata.name === 'bulkhead-operator',
    ) as ChartObject & { spec: { ingress: { from?: { podSelector?: { matchLabels: Record<string, string> } }[] }[] } };
    const peers = policy.spec.ingress.flatMap((rule) => rule.from ?? []);
    assert.ok(
      peers.some(
        (peer) =>
          peer.podSelector && Object.entries(peer.podSelector.matchLabels).every(([key, value]) => pod.metadata.labels?.[key] === value),
      ),
      `a peer of ${JSON.stringify(peers)} selects the test pod ${JSON.stringify(pod.metadata.labels)}`,
    );
  });

  it('is admitted under Pod Security restricted, which refuses the same Pod allowed to escalate', async function () {
    const pod = testPod();
    const body = { ...pod, metadata: { ...pod.metadata, namespace } } as unknown as k8s.V1Pod;
    await core.createNamespacedPod({ namespace, body, dryRun: 'All' });
    const escalating = structuredClone(body);
    escalating.spec!.containers[0]!.securityContext = {
      ...escalating.spec!.containers[0]!.securityContext,
      allowPrivilegeEscalation: true,
    };
    await assert.rejects(core.createNamespacedPod({ namespace, body: escalating, dryRun: 'All' }), /allowPrivilegeEscalation/);
  });

  it('passes against a real operator: /healthz answers and /metrics has the leader election gauge', async function () {
    operator = startOperator();
    const base = (await operator.metricsUrl()).replace(/\/metrics$/, '');
    const result = runCheck(base);
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /\/healthz ok, \/metrics serves leader_election_master_status/);
  });

  it('fails, saying why, when nothing answers', async function () {
    // A port that was free a moment ago.
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    const result = runCheck(`http://127.0.0.1:${port}`);
    assert.notEqual(result.status, 0);
    assert.match(result.output, /fetch failed|ECONNREFUSED/);
  });
});
