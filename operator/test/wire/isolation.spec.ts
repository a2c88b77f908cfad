/**
 * Tenant isolation measured on the wire: two tenants onboarded by the operator on the real node,
 * their apps really running (ready only once each reached its own database and KMS key), and
 * connections tried from probe pods inside each tenant namespace and the ingress controller's.
 * What the platform declares connects; everything else fails; and an allow-all policy added to one
 * tenant, or its policies deleted while the operator is stopped, opens the way, so the refusals are
 * the policies at work, not a dead network. A pod outside every tenant shows it at the door of
 * one tenant (a tenant pod is also refused by its own egress policy). The operator puts deleted
 * policies back.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import {
  clusterRanges,
  eventually,
  execIn,
  importProductApp,
  runProbe,
  tcpConnect,
  testEnvironment,
  type Environment,
  type ExecResult,
} from '@bulkhead/testenv';
import { applyObjects } from '../support/cluster.js';
import { testChartVersions } from '../support/charts.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { condition, deleteTenantsAndWait, tenantManifest, waitForReady } from '../support/tenants.js';

const [a, b] = ['wire-a', 'wire-b'];
const [nsA, nsB] = [`tenant-${a}`, `tenant-${b}`];
const ingressNamespace = 'ingress-nginx';
/** A namespace of no tenant and without policies: its pods' egress is not restricted. */
const outsideNamespace = 'wire-outside';
const appPort = 8080;

interface Place {
  namespace: string;
  pod: string;
}

const opens = (result: ExecResult): boolean => result.code === 0;

describe('tenant isolation on the wire (real node)', function () {
  this.timeout(300_000);
  let env: Environment;
  let admin: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;
  const appIP: Record<string, string> = {};
  const serviceIP: Record<string, string> = {};
  const probeA: Place = { namespace: nsA, pod: 'probe' };
  const probeB: Place = { namespace: nsB, pod: 'probe' };
  const ingress: Place = { namespace: ingressNamespace, pod: 'controller' };
  const outside: Place = { namespace: outsideNamespace, pod: 'probe' };
  const serviceName: Record<string, string> = {};
  const connects = (from: Place, address: string, port: number): boolean => opens(tcpConnect(env, from, address, port));
  /** Waits for a connection to open (or to stop opening): policies take effect asynchronously. */
  const becomes = (what: string, from: Place, address: string, port: number, open: boolean): Promise<boolean> =>
    eventually(what, () => connects(from, address, port) === open, 60_000);

  before(async function () {
    env = testEnvironment();
    assert.equal(env.network.node, 'real', 'these specs need a real node: run them with make test-node');
    admin = await prepareCluster();
    core = admin.makeApiClient(k8s.CoreV1Api);
    importProductApp(env, [testChartVersions.current, testChartVersions.next]);
    const declared = env.network.externalHosts.find((host) => host.name === 'declared');
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
    await applyObjects(admin, [tenantManifest(a, { network: { allowEgressCIDRs: [declared?.cidr ?? ''] } }), tenantManifest(b)]);
    for (const name of [ingressNamespace, outsideNamespace]) {
      await core
        .createNamespace({ body: { metadata: { name, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } } })
        .catch(() => undefined);
    }
    await Promise.all([waitForReady(admin, a, 180_000), waitForReady(admin, b, 180_000)]);
    await Promise.all([
      runProbe({ core }, nsA, 'probe'),
      runProbe({ core }, nsB, 'probe'),
      runProbe({ core }, ingressNamespace, 'controller'),
      runProbe({ core }, outsideNamespace, 'probe'),
    ]);
    for (const [tenant, namespace] of [
      [a, nsA],
      [b, nsB],
    ] as const) {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=tenant-app' });
      appIP[tenant] = pods.items[0]?.status?.podIP ?? '';
      const services = await core.listNamespacedService({ namespace, labelSelector: 'app.kubernetes.io/name=tenant-app' });
      serviceIP[tenant] = services.items[0]?.spec?.clusterIP ?? '';
      serviceName[tenant] = services.items[0]?.metadata?.name ?? '';
    }
  });

  after(async function () {
    operator ??= startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
    for (const name of [ingressNamespace, outsideNamespace]) await core.deleteNamespace({ name }).catch(() => undefined);
    await deleteTenantsAndWait(admin, [a, b], 180_000);
    await operator.stop();
  });

  it("runs each tenant's app in containerd, ready only after it reached its own database and key", async function () {
    for (const [tenant, namespace] of [
      [a, nsA],
      [b, nsB],
    ] as const) {
      const pods = await core.listNamespacedPod({ namespace, labelSelector: 'app.kubernetes.io/name=tenant-app' });
      assert.ok(pods.items.length > 0, `${tenant} has app pods`);
      for (const pod of pods.items) {
        assert.match(pod.status?.containerStatuses?.[0]?.containerID ?? '', /^containerd:\/\/[0-9a-f]{64}$/);
        assert.equal(pod.status?.containerStatuses?.[0]?.ready, true);
      }
    }
  });

  it("connects what the platform declares: the same namespace, DNS, the ingress controller on the app's port, the own database", function () {
    assert.ok(connects(probeA, appIP[a] ?? '', appPort), "a pod reaches its own tenant's app");
    assert.ok(connects(probeA, serviceIP[a] ?? '', appPort), 'and its Service');
    const lookup = execIn(env, probeA.namespace, probeA.pod, ['nslookup', `${serviceName[a] ?? ''}.${nsA}.svc.cluster.local`]);
    assert.ok(
      opens(lookup) && lookup.output.includes(serviceIP[a] ?? '-'),
      `the cluster DNS resolves the tenant's Service: ${lookup.output}`,
    );
    assert.ok(connects(ingress, appIP[a] ?? '', appPort), 'the ingress controller reaches the app on its Service port');
    assert.ok(connects(probeA, env.postgres.host, env.postgres.port), 'the tenant reaches its database server on its port');
  });

  it('refuses everything else: the other tenant both ways, kube-system, the node, metadata, an undeclared host', async function () {
    // Every target listens (a refusal is never just a closed port), except the metadata address,
    // which has no route on this node at all (see docs/decisions/0010).
    const kubernetes = (await core.readNamespacedService({ namespace: 'default', name: 'kubernetes' })).spec?.clusterIP ?? '';
    const [declared, undeclared] = ['declared', 'undeclared'].map((name) => env.network.externalHosts.find((host) => host.name === name));
    const refusals: [string, Place, string, number][] = [
      ["a → b's app pod", probeA, appIP[b] ?? '', appPort],
      ["a → b's Service", probeA, serviceIP[b] ?? '', appPort],
      ["b → a's app pod", probeB, appIP[a] ?? '', appPort],
      ['a → kube-apiserver through the kubernetes Service', probeA, kubernetes, 443],
      ["a → the node's kubelet", probeA, env.network.nodeAddresses[0] ?? '', 10250],
      ['a → the metadata address', probeA, '169.254.169.254', 80],
      ['b → the host only a declared', probeB, declared?.address ?? '', declared?.port ?? 0],
      ['a → an undeclared host', probeA, undeclared?.address ?? '', undeclared?.port ?? 0],
    ];
    const opened = refusals.filter(([, from, address, port]) => connects(from, address, port)).map(([what]) => what);
    assert.deepEqual(opened, [], 'these connections should have been refused');
  });

  it('connects a to the external host it declared', function () {
    const declared = env.network.externalHosts.find((host) => host.name === 'declared');
    assert.ok(connects(probeA, declared?.address ?? '', declared?.port ?? 0), 'the declared egress CIDR is reachable');
  });

  it("refuses a pod of no tenant, whose own egress nothing restricts, at b's door", function () {
    assert.equal(connects(outside, appIP[b] ?? '', appPort), false, "b's default-deny refuses a pod outside the tenants");
  });

  it('opens b once a cluster admin adds an allow-all policy to it, and a to b once both allow it: the refusals are the policies at work', async function () {
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    const allowAll = (namespace: string) =>
      networking.createNamespacedNetworkPolicy({
        namespace,
        body: {
          metadata: { name: 'allow-all' },
          spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [{}], egress: [{}] },
        },
      });
    await allowAll(nsB);
    try {
      await becomes('a pod outside the tenants to reach b through the allow-all policy', outside, appIP[b] ?? '', appPort, true);
      assert.equal(connects(probeA, appIP[b] ?? '', appPort), false, "a's own egress policy still refuses a → b");
      await allowAll(nsA);
      await becomes('a to reach b once a allows it too', probeA, appIP[b] ?? '', appPort, true);
    } finally {
      for (const namespace of [nsA, nsB])
        await networking.deleteNamespacedNetworkPolicy({ namespace, name: 'allow-all' }).catch(() => undefined);
    }
    await becomes('a to be refused again without them', probeA, appIP[b] ?? '', appPort, false);
    await becomes('the outside pod to be refused again', outside, appIP[b] ?? '', appPort, false);
  });

  it('opens b when its policies are deleted while the operator is stopped, and closes it again once the operator is back', async function () {
    await operator?.stop();
    operator = undefined;
    const networking = admin.makeApiClient(k8s.NetworkingV1Api);
    await networking.deleteCollectionNamespacedNetworkPolicy({ namespace: nsB });
    await becomes("the outside pod to reach b without b's policies", outside, appIP[b] ?? '', appPort, true);
    operator = startOperator({ network: { clusterCIDRs: clusterRanges(env) } });
    await eventually(
      'the operator to restore default-deny in b',
      async () => (await networking.listNamespacedNetworkPolicy({ namespace: nsB })).items.some((p) => p.metadata?.name === 'default-deny'),
      60_000,
    );
    await becomes('the outside pod to be refused again', outside, appIP[b] ?? '', appPort, false);
    const tenant = await waitForReady(admin, b, 120_000);
    assert.equal(condition(tenant, 'NetworkIsolated')?.status, 'True');
  });
});
