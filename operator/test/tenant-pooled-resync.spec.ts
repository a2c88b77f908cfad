/**
 * A restarted operator over Ready pooled tenants (docs/decisions/0037, 0058): tenants whose plan
 * shares the database, the key and the release are re-synced from their recorded status as silo
 * tenants are (tenant-resync.spec.ts): no KMS request, no PostgreSQL request and no write but the
 * Lease. Their encryption-key ConfigMap, which holds the wrapped data key, is still compared on
 * that pass: one edited while no operator ran is put back without asking KMS.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { customObjects, deleteTenantsAndWait, group, readTenant, tenantManifest, version, waitForReady } from './support/tenants.js';
import { runId } from './providers/support/postgres.js';

const writeVerbs = ['POST', 'PUT', 'PATCH', 'DELETE'];
const planName = `pooled-resync-${runId}`;
const names = [`presync-a-${runId}`, `presync-b-${runId}`];
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

/** crds/examples/plans/pooled-release.yaml with the key Shared too: nothing of a pooled tenant's is its own but its schema, role and grant. */
const pooledPlan = {
  apiVersion: `${group}/${version}`,
  kind: 'TenantPlan',
  metadata: { name: planName },
  spec: {
    quota: { cpu: '8', memory: '16Gi', storage: '100Gi', pods: 50, services: 10, persistentVolumeClaims: 10, configMaps: 50, secrets: 50 },
    limits: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '4Gi' },
    },
    database: { connectionLimit: 5 },
    app: { chart: 'tenant-app', version: '1.4.2', values: { replicaCount: 1 } },
    rollout: { ring: 1 },
    isolation: { database: 'Shared', key: 'Shared', release: 'Shared' },
  },
};

interface RecordedStatus {
  database?: { schema?: string; inputsDigest?: string };
  encryption?: { alias?: string; inputsDigest?: string };
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

describe('a restarted operator over Ready pooled tenants', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;
  const restart = async (): Promise<OperatorProcess> => {
    await operator?.stop();
    return (operator = startOperator());
  };
  const [a = ''] = names;
  const keyConfigMap = { namespace: `tenant-${a}`, name: `${a}-encryption-key` };

  before(async function () {
    this.timeout(300_000);
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    operator = startOperator();
    await applyObjects(kc, [
      pooledPlan,
      ...names.map((name) => tenantManifest(name, { plan: planName, database: { deletionPolicy: 'Delete' } })),
    ]);
    for (const name of names) await waitForReady(kc, name, 120_000);
    for (const name of names) {
      await eventually(`${name}'s status to record what its pool key and schema were verified against`, async () => {
        const status = (await readTenant(kc, name)).status as RecordedStatus | undefined;
        return (status?.database?.schema && status.database.inputsDigest && status.encryption?.inputsDigest) || undefined;
      });
    }
  });

  after(async function () {
    this.timeout(300_000);
    if (!operator || operator.child.exitCode !== null) operator = startOperator();
    await deleteTenantsAndWait(kc, names, 180_000).catch(() => undefined);
    await operator.stop();
    await customObjects(kc)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: planName })
      .catch(() => undefined);
  });

  it('re-syncs them without a KMS request, a PostgreSQL request or a write besides its Lease', async function () {
    const next = await restart();
    await reconciledOnce(next, names);
    assert.equal(await metricSum(next, 'bulkhead_provider_wait_seconds_count', 'provider="kms"'), 0, 'the restart asked KMS');
    assert.equal(await metricSum(next, 'bulkhead_provider_wait_seconds_count', 'provider="postgres"'), 0, 'the restart asked PostgreSQL');
    const writes = await next.requestCount(writeVerbs, ['leases']);
    assert.equal(writes, 0, `the restart wrote ${writes} times besides its Lease:\n${next.output(60)}`);
    // Its next pass of a tenant verifies the pool key again, as every pass but the restart's does.
    await core.patchNamespacedConfigMap({ ...keyConfigMap, body: { metadata: { labels: { 'example.com/touched': 'yes' } } } }, mergePatch);
    await eventually(
      `a KMS request for ${a}`,
      async () => (await metricSum(next, 'bulkhead_provider_wait_seconds_count', 'provider="kms"')) > 0 || undefined,
    );
  });

  it('puts back an encryption-key ConfigMap edited while no operator ran, keeping the wrapped data key', async function () {
    await operator?.stop();
    const before = await core.readNamespacedConfigMap(keyConfigMap);
    await core.patchNamespacedConfigMap({ ...keyConfigMap, body: { data: { KMS_REGION: 'elsewhere' } } }, mergePatch);
    await restart();
    await eventually('the ConfigMap’s region put back', async () => {
      const configMap = await core.readNamespacedConfigMap(keyConfigMap);
      return configMap.data?.KMS_REGION === 'eu-central-1' || undefined;
    });
    const after = await core.readNamespacedConfigMap(keyConfigMap);
    assert.equal(after.data?.KMS_DATA_KEY, before.data?.KMS_DATA_KEY, 'the same wrapped data key');
    assert.equal(after.data?.KMS_KEY_ARN, before.data?.KMS_KEY_ARN);
  });
});
