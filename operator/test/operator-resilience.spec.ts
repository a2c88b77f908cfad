/**
 * The operator survives its own death and runs as a pair: killed with SIGKILL while onboarding 20
 * tenants, a new process converges all of them with nothing duplicated; with two replicas only
 * the leader writes, and the other takes over when the leader stops.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from './support/tenants.js';

const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE'];

async function leaseHolder(kc: k8s.KubeConfig): Promise<string | undefined> {
  const lease = await kc
    .makeApiClient(k8s.CoordinationV1Api)
    .readNamespacedLease({ namespace: 'bulkhead-system', name: 'bulkhead-operator' })
    .catch(() => undefined);
  return lease?.spec?.holderIdentity || undefined;
}

describe('the operator under failure', function () {
  let kc: k8s.KubeConfig;
  const running: OperatorProcess[] = [];
  const start = (): OperatorProcess => {
    const operator = startOperator();
    running.push(operator);
    return operator;
  };

  before(async function () {
    kc = await prepareCluster();
  });

  afterEach(async function () {
    await Promise.all(running.splice(0).map((operator) => operator.stop()));
  });

  it('converges 20 tenants after being killed mid-way, with exactly one of everything per tenant', async function () {
    const names = Array.from({ length: 20 }, (_, i) => `restart-${i}`);
    const first = start();
    await applyObjects(
      kc,
      names.map((name) => tenantManifest(name)),
    );
    // Kill it once it has begun creating namespaces, while most tenants are still in flight.
    await eventually(
      'the first namespaces',
      () => Promise.resolve(first.logs.filter((l) => l.message === 'Applied Namespace').length >= 2 || undefined),
      30_000,
    );
    await first.kill();
    start();
    for (const name of names) await waitForReady(kc, name, 90_000);

    const core = kc.makeApiClient(k8s.CoreV1Api);
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    const namespaces = await core.listNamespace({ labelSelector: 'app.kubernetes.io/managed-by=bulkhead' });
    for (const name of names) {
      const tenant = await readTenant(kc, name);
      const own = namespaces.items.filter((ns) => ns.metadata?.labels?.['bulkhead.dev/tenant'] === name);
      assert.deepEqual(
        own.map((ns) => ns.metadata?.name),
        [`tenant-${name}`],
      );
      assert.equal(own[0]?.metadata?.ownerReferences?.[0]?.uid, tenant.metadata?.uid);
      const selector = `bulkhead.dev/tenant=${name}`;
      const ns = `tenant-${name}`;
      const policies = (await networking.listNamespacedNetworkPolicy({ namespace: ns, labelSelector: selector })).items
        .map((p) => p.metadata?.name)
        .sort();
      assert.deepEqual(policies, [
        'allow-database',
        'allow-dns',
        'allow-ingress-controller',
        'allow-kms',
        'allow-same-namespace',
        'default-deny',
      ]);
      assert.equal((await core.listNamespacedResourceQuota({ namespace: ns, labelSelector: selector })).items.length, 1);
      assert.equal((await core.listNamespacedLimitRange({ namespace: ns, labelSelector: selector })).items.length, 1);
      assert.equal(tenant.metadata?.finalizers?.filter((f) => f === 'bulkhead.dev/finalizer').length, 1);
    }
    await deleteTenantsAndWait(kc, names, 180_000);
  });

  it('lets only the leader write, and hands over when the leader stops', async function () {
    const leader = start();
    await eventually('the first replica to lead', async () => (await leaseHolder(kc)) === leader.identity || undefined);
    const standby = start();
    await standby.metricsUrl();
    await applyObjects(kc, [tenantManifest('elected-a')]);
    await waitForReady(kc, 'elected-a');
    await sleep(1_000);
    assert.equal(await standby.requestCount(writeVerbs), 0, 'the standby wrote while the leader was alive');
    assert.ok((await leader.requestCount(writeVerbs, ['leases'])) > 0, 'the leader did not do the work');

    await leader.stop();
    await eventually('the standby to take over', async () => (await leaseHolder(kc)) === standby.identity || undefined, 30_000);
    await applyObjects(kc, [tenantManifest('elected-b')]);
    await waitForReady(kc, 'elected-b');
    assert.ok((await standby.requestCount(writeVerbs, ['leases'])) > 0, 'the new leader did not reconcile');
    await deleteTenantsAndWait(kc, ['elected-a', 'elected-b']);
  });
});
