/**
 * The product chart in every tenant: rendered with the real helm, applied into the tenant
 * namespace only, healthy only once its pods are Ready (KWOK), kept in the declared state, and
 * pruned of what a new render no longer contains. A render that reaches outside the tenant is
 * refused whole.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { testChartVersions } from './support/charts.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
} from './support/tenants.js';

const namespace = 'tenant-app-a';
const release = 'tenant-app-a';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('the tenant app', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let operator: OperatorProcess | undefined;
  const patchSpec = (spec: Record<string, unknown>) =>
    customObjects(kc).patchClusterCustomObject({ group, version, plural: 'tenants', name: 'app-a', body: { spec } }, mergePatch);

  before(async function () {
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    operator = startOperator();
  });

  after(async function () {
    await deleteTenantsAndWait(kc, ['app-a']);
    await operator?.stop();
  });

  it('deploys the chart with its pods Ready and reports AppDeployed with version and digest', async function () {
    await applyObjects(kc, [tenantManifest('app-a')]);
    const tenant = await waitForReady(kc, 'app-a');
    assert.equal(condition(tenant, 'AppDeployed')?.status, 'True');
    const status = tenant.status as { app?: { version?: string; digest?: string; inventory?: string[] } };
    assert.equal(status.app?.version, testChartVersions.current);
    assert.match(status.app?.digest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.ok(status.app?.inventory?.includes(`apps/v1/Deployment/${namespace}/${release}`));
    const deployment = await apps.readNamespacedDeployment({ namespace, name: release });
    assert.equal(deployment.status?.readyReplicas, 1); // the standard plan's replicaCount
    assert.equal(deployment.metadata?.labels?.['bulkhead.dev/tenant'], 'app-a');
    const pods = await core.listNamespacedPod({ namespace });
    assert.ok(pods.items.every((p) => p.status?.phase === 'Running'));
    const container = deployment.spec?.template.spec?.containers[0];
    assert.equal(container?.env?.find((e) => e.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name, 'app-a-database');
  });

  it('applies a changed value', async function () {
    await patchSpec({ app: { values: { featureFlags: { auditExport: true } } } });
    await eventually('the ConfigMap to carry the flag', async () => {
      const config = await core.readNamespacedConfigMap({ namespace, name: `${release}-config` });
      return config.data?.FEATURES === '{"auditExport":true}' || undefined;
    });
  });

  it('refuses a value the plan does not allow, and changes nothing', async function () {
    await patchSpec({ app: { values: { replicaCount: 5 } } });
    const tenant = await eventually('ValuesNotAllowed', async () => {
      const current = await readTenant(kc, 'app-a');
      return condition(current, 'AppDeployed')?.reason === 'ValuesNotAllowed' ? current : undefined;
    });
    assert.match(condition(tenant, 'AppDeployed')?.message ?? '', /replicaCount/);
    assert.equal((await apps.readNamespacedDeployment({ namespace, name: release })).spec?.replicas, 1);
    await patchSpec({ app: { values: { replicaCount: null } } });
    await waitForReady(kc, 'app-a');
  });

  it('restores a deleted Deployment', async function () {
    const before = await apps.readNamespacedDeployment({ namespace, name: release });
    await apps.deleteNamespacedDeployment({ namespace, name: release });
    await eventually(
      'a new Deployment',
      async () => {
        const current = await apps.readNamespacedDeployment({ namespace, name: release });
        return current.metadata?.uid !== before.metadata?.uid || undefined;
      },
      20_000,
    );
    await waitForReady(kc, 'app-a');
  });

  it('prunes an object the new chart version no longer renders', async function () {
    await patchSpec({ app: { version: testChartVersions.withoutService } });
    await eventually('the Service to be pruned', () => isGone(() => core.readNamespacedService({ namespace, name: release })));
    const tenant = await waitForReady(kc, 'app-a');
    assert.equal((tenant.status as { app?: { version?: string } }).app?.version, testChartVersions.withoutService);
  });

  it('refuses a chart that renders a ClusterRole or an object in another namespace, applying nothing of it', async function () {
    await patchSpec({ app: { version: testChartVersions.hostile } });
    const tenant = await eventually('RenderRefused', async () => {
      const current = await readTenant(kc, 'app-a');
      return condition(current, 'AppDeployed')?.reason === 'RenderRefused' ? current : undefined;
    });
    assert.match(condition(tenant, 'AppDeployed')?.message ?? '', /ClusterRole/);
    assert.equal(condition(tenant, 'Ready')?.status, 'False');
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    assert.ok(await isGone(() => rbac.readClusterRole({ name: `${release}-reader` })), 'the ClusterRole was applied');
    assert.ok(await isGone(() => core.readNamespacedConfigMap({ namespace: 'kube-system', name: `${release}-leak` })));
    // Nothing of the refused render was applied: the Service it would bring back is still absent.
    assert.ok(await isGone(() => core.readNamespacedService({ namespace, name: release })));
    await patchSpec({ app: { version: testChartVersions.current } });
    await waitForReady(kc, 'app-a');
  });

  it('reports a missing chart version as ChartNotFound', async function () {
    await patchSpec({ app: { version: '9.9.9' } });
    await eventually(
      'ChartNotFound',
      async () => condition(await readTenant(kc, 'app-a'), 'AppDeployed')?.reason === 'ChartNotFound' || undefined,
    );
    await patchSpec({ app: { version: null } });
    await waitForReady(kc, 'app-a');
  });
});
