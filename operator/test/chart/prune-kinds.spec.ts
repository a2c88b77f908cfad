/**
 * The product chart's kinds the operator may apply (Deployment, Service, ServiceAccount,
 * ConfigMap) are each pruned when a new chart version drops them, and the declared-egress
 * NetworkPolicy when its CIDRs are removed, running as the chart's ServiceAccount: the "delete"
 * verbs of the operator's ClusterRole are needed for exactly this (rbac-minimal.spec.ts checks
 * they were used).
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { chartFileName, packageChart, parseInventoryKey } from '../../src/providers/release/index.js';
import { applyObjects, eventually, repoRoot } from '../support/cluster.js';
import { startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import { customObjects, deleteTenantsAndWait, group, readTenant, tenantManifest, version, waitForReady } from '../support/tenants.js';

const tenant = 'prune-kinds';
/** tenant-app with every template removed: switching to it prunes everything the chart made. */
const emptyVersion = '1.9.0-empty';

async function packageEmptyChart(): Promise<void> {
  const env = testEnvironment();
  const repository = join(env.dir, 'run', 'charts');
  if (existsSync(join(repository, chartFileName('tenant-app', emptyVersion)))) return;
  const copy = join(mkdtempSync(join(env.dir, 'run', 'chart-variant-')), 'tenant-app');
  cpSync(join(repoRoot, 'charts/tenant-app'), copy, { recursive: true });
  for (const file of readdirSync(join(copy, 'templates')).filter((f) => f.endsWith('.yaml'))) rmSync(join(copy, 'templates', file));
  await packageChart(env.helm, copy, repository, { version: emptyVersion, appVersion: emptyVersion });
}

describe('pruning every kind the product chart may render', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;

  before(async function () {
    kc = await prepareCluster();
    await packageEmptyChart();
    operator = startOperator();
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [tenant]);
    await operator?.stop();
  });

  it('deletes the Deployment, Service, ServiceAccount and ConfigMap a new version no longer renders', async function () {
    await applyObjects(kc, [tenantManifest(tenant, { app: { version: '1.4.2' }, network: { allowEgressCIDRs: ['203.0.113.0/24'] } })]);
    const ready = await waitForReady(kc, tenant, 90_000);
    const inventory = (ready.status as { app?: { inventory?: string[] } } | undefined)?.app?.inventory ?? [];
    const kinds = inventory.map((key) => parseInventoryKey(key)?.kind).sort();
    assert.deepEqual(kinds, ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);

    await customObjects(kc).patchClusterCustomObject(
      {
        group,
        version,
        plural: 'tenants',
        name: tenant,
        body: { spec: { app: { version: emptyVersion }, network: { allowEgressCIDRs: null } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually(
      'the declared-egress NetworkPolicy to be pruned',
      () =>
        kc
          .makeApiClient(k8s.NetworkingV1Api)
          .readNamespacedNetworkPolicy({ namespace: `tenant-${tenant}`, name: 'allow-declared-egress' })
          .then(
            () => undefined,
            (error: unknown) => ((error as { code?: number }).code === 404 ? true : undefined),
          ),
      60_000,
    );
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    for (const key of inventory) {
      const entry = parseInventoryKey(key);
      assert.ok(entry);
      await eventually(
        `${entry.kind} ${entry.name} to be pruned`,
        () =>
          objects
            .read({
              apiVersion: entry.apiVersion,
              kind: entry.kind,
              metadata: { name: entry.name, namespace: entry.namespace },
            })
            .then(
              () => undefined,
              (error: unknown) => ((error as { code?: number }).code === 404 ? true : undefined),
            ),
        60_000,
      );
    }
    const after = await readTenant(kc, tenant);
    assert.deepEqual((after.status as { app?: { inventory?: string[] } } | undefined)?.app?.inventory ?? [], []);
  });
});
