/**
 * A restarted operator over Ready tenants (docs/decisions/0037): its re-sync renders no chart, asks
 * KMS nothing and writes nothing but its Lease, because each Tenant's status records what its
 * release was rendered from and how its objects looked, and what its database and key were
 * verified against. Drift is still repaired: an object edited while no operator ran is seen at
 * the restart, and one deleted after it through the watch.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from './support/tenants.js';

const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE'];
const names = ['resync-a', 'resync-b'];
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

interface RecordedStatus {
  app?: { inputsDigest?: string; observedDigest?: string };
  database?: { inputsDigest?: string };
  encryption?: { inputsDigest?: string };
}

/** The sum of a metric's samples whose labels contain `labels` (0 when it has none). */
async function metricSum(operator: OperatorProcess, metric: string, labels = ''): Promise<number> {
  const text = await (await fetch(await operator.metricsUrl())).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if ((line.startsWith(`${metric}{`) || line.startsWith(`${metric} `)) && line.includes(labels)) sum += Number(line.split(' ').pop());
  }
  return sum;
}

/** Waits until the operator has finished a reconcile of every one of `tenants`. */
async function reconciledOnce(operator: OperatorProcess, tenants: string[]): Promise<void> {
  await eventually(
    `a reconcile of ${tenants.join(', ')}`,
    () =>
      Promise.resolve(
        tenants.every((name) => operator.logs.some((l) => l.message === 'Reconciled' && l.controller === 'tenant' && l.key === name)) ||
          undefined,
      ),
    60_000,
  );
}

describe('a restarted operator over Ready tenants', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let operator: OperatorProcess | undefined;
  const restart = async (): Promise<OperatorProcess> => {
    await operator?.stop();
    return (operator = startOperator());
  };

  before(async function () {
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    operator = startOperator();
    await applyObjects(
      kc,
      names.map((name) => tenantManifest(name)),
    );
    for (const name of names) await waitForReady(kc, name, 90_000);
    // The observed digest is recorded by the first pass that writes nothing (the echo of the last write).
    for (const name of names) {
      await eventually(`${name}'s status to record its digests`, async () => {
        const status = (await readTenant(kc, name)).status as RecordedStatus | undefined;
        return (
          (status?.app?.observedDigest && status.app.inputsDigest && status.database?.inputsDigest && status.encryption?.inputsDigest) ||
          undefined
        );
      });
    }
  });

  after(async function () {
    if (!operator || operator.child.exitCode !== null) operator = startOperator();
    await deleteTenantsAndWait(kc, names, 120_000);
    await operator.stop();
  });

  it('re-syncs them without a helm render, a KMS request or a write besides its Lease', async function () {
    const next = await restart();
    await reconciledOnce(next, names);
    assert.equal(await metricSum(next, 'bulkhead_release_renders_total'), 0, 'the restart rendered a chart');
    assert.equal(await metricSum(next, 'bulkhead_provider_wait_seconds_count', 'provider="kms"'), 0, 'the restart asked KMS');
    const writes = await next.requestCount(writeVerbs, ['leases']);
    assert.equal(writes, 0, `the restart wrote ${writes} times besides its Lease:\n${next.output(60)}`);
    // Its next pass of a tenant verifies the providers again, as every pass but the restart's does.
    await core.patchNamespacedConfigMap(
      { namespace: 'tenant-resync-a', name: 'tenant-resync-a-config', body: { metadata: { labels: { 'example.com/touched': 'yes' } } } },
      mergePatch,
    );
    await eventually(
      'a KMS request for resync-a',
      async () => (await metricSum(next, 'bulkhead_provider_wait_seconds_count', 'provider="kms"')) > 0 || undefined,
    );
  });

  it('repairs a Deployment and a ConfigMap edited while no operator ran, and a ConfigMap deleted after the restart', async function () {
    await operator?.stop();
    await apps.patchNamespacedDeployment(
      { namespace: 'tenant-resync-a', name: 'tenant-resync-a', body: { spec: { replicas: 3 } } },
      mergePatch,
    );
    await core.patchNamespacedConfigMap(
      { namespace: 'tenant-resync-a', name: 'tenant-resync-a-config', body: { data: { LOG_LEVEL: 'trace' } } },
      mergePatch,
    );
    const next = await restart();
    await eventually('the Deployment scaled back to the plan’s one replica', async () => {
      const deployment = await apps.readNamespacedDeployment({ namespace: 'tenant-resync-a', name: 'tenant-resync-a' });
      return deployment.spec?.replicas === 1 || undefined;
    });
    await eventually('the ConfigMap’s data put back', async () => {
      const config = await core.readNamespacedConfigMap({ namespace: 'tenant-resync-a', name: 'tenant-resync-a-config' });
      return config.data?.LOG_LEVEL !== 'trace' || undefined;
    });
    assert.ok((await metricSum(next, 'bulkhead_release_renders_total')) >= 1, 'the drifted release was repaired without a render');

    await reconciledOnce(next, ['resync-b']);
    await core.deleteNamespacedConfigMap({ namespace: 'tenant-resync-b', name: 'tenant-resync-b-config' });
    await eventually(
      'the deleted ConfigMap restored',
      async () =>
        !(await isGone(() => core.readNamespacedConfigMap({ namespace: 'tenant-resync-b', name: 'tenant-resync-b-config' }))) || undefined,
    );
  });
});
