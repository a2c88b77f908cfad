/**
 * Deleting a tenant when something stands in the way, against the real control plane and
 * PostgreSQL: its region has left the operator's configuration (the Tenant waits, saying so, and
 * its data is untouched, until the region returns or an annotation orphans the data), and its
 * owners put finalizers of their own on their objects (the operator removes them, says so, and the
 * namespace and the Tenant go).
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment } from '@bulkhead/testenv';
import { KubeClient } from '../src/kube/client.js';
import { resourcePath } from '../src/kube/resource-types.js';
import type { KubeObject } from '../src/runtime/types.js';
import { adminQuery } from './providers/support/postgres.js';
import { applyObjects, eventually, isGone } from './support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { condition, customObjects, deleteTenant, group, readTenant, tenantManifest, version, waitForReady } from './support/tenants.js';

async function databaseExists(name: string): Promise<boolean> {
  return (await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;
}

/** Waits until the deleted tenant reports it waits for its region (the steps' own RegionNotConfigured says something else). */
async function waitingForRegion(kc: k8s.KubeConfig, name: string) {
  return eventually(
    `${name} to wait for its region`,
    async () => {
      const current = await readTenant(kc, name);
      return /orphan-data/.test(condition(current, 'DatabaseReady')?.message ?? '') ? current : undefined;
    },
    90_000,
  );
}

async function tenantEvents(kc: k8s.KubeConfig, name: string): Promise<k8s.CoreV1Event[]> {
  return (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${name}` }))
    .items;
}

describe("deleting a tenant whose region left the operator's configuration", function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  const euOnly = (): OperatorProcess => startOperator({ regions: { 'eu-central-1': operatorRegions()['eu-central-1'] } });

  before(async function () {
    this.timeout(300_000);
    kc = await prepareCluster();
    operator = startOperator();
    const names = ['regionless-kept', 'regionless-orphan'];
    await applyObjects(
      kc,
      names.map((name) => tenantManifest(name, { region: 'us-east-1', database: { deletionPolicy: 'Delete' } })),
    );
    for (const name of names) await waitForReady(kc, name, 120_000);
    await operator.stop();
    operator = euOnly();
  });

  after(async function () {
    await operator?.stop();
    await adminQuery('DROP DATABASE IF EXISTS tenant_regionless_orphan WITH (FORCE)');
    await adminQuery('DROP ROLE IF EXISTS tenant_regionless_orphan');
  });

  it('keeps the Tenant and its data, and says RegionNotConfigured in its conditions and an Event', async function () {
    await deleteTenant(kc, 'regionless-kept');
    const tenant = await waitingForRegion(kc, 'regionless-kept');
    assert.equal(condition(tenant, 'Ready')?.reason, 'RegionNotConfigured');
    for (const type of ['DatabaseReady', 'EncryptionKeyReady']) {
      assert.equal(condition(tenant, type)?.reason, 'RegionNotConfigured', type);
      assert.match(
        condition(tenant, type)?.message ?? '',
        /region us-east-1 is not in the operator's configuration.*bulkhead\.dev\/orphan-data=true/,
      );
    }
    assert.ok(tenant.metadata?.finalizers?.includes('bulkhead.dev/finalizer'));
    assert.ok(
      await isGone(() => kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'tenant-regionless-kept' })),
      'the namespace still went',
    );
    assert.equal(await databaseExists('tenant_regionless_kept'), true);
    await eventually('a RegionNotConfigured Event about the deletion', async () =>
      (await tenantEvents(kc, 'regionless-kept')).find(
        (e) => e.reason === 'RegionNotConfigured' && e.type === 'Warning' && e.message?.includes('orphan-data'),
      ),
    );
  });

  it('releases a Tenant annotated bulkhead.dev/orphan-data=true without touching its database, and says so', async function () {
    await deleteTenant(kc, 'regionless-orphan');
    await waitingForRegion(kc, 'regionless-orphan');
    await customObjects(kc).patchClusterCustomObject(
      {
        group,
        version,
        plural: 'tenants',
        name: 'regionless-orphan',
        body: { metadata: { annotations: { 'bulkhead.dev/orphan-data': 'true' } } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await eventually('the orphaned Tenant to be gone', () => isGone(() => readTenant(kc, 'regionless-orphan')), 60_000);
    assert.equal(await databaseExists('tenant_regionless_orphan'), true, 'the orphaned database was touched');
    const orphaned = (await tenantEvents(kc, 'regionless-orphan')).find((e) => e.reason === 'DataOrphaned');
    assert.match(
      orphaned?.message ?? '',
      /database tenant_regionless_orphan or key alias\/bulkhead\/regionless-orphan in region us-east-1/,
    );
    assert.ok(operator?.logs.some((l) => String(l.message).startsWith('Released without touching database tenant_regionless_orphan')));
  });

  it('tears the data down by its policy once the region is configured again', async function () {
    assert.ok(!(await isGone(() => readTenant(kc, 'regionless-kept'))), 'the Tenant went while its region was missing');
    await operator?.stop();
    operator = startOperator();
    await eventually('the Tenant to be gone', () => isGone(() => readTenant(kc, 'regionless-kept')), 90_000);
    assert.equal(await databaseExists('tenant_regionless_kept'), false);
  });
});

/** What keeps the namespace: its conditions and the operator's warnings and errors. */
async function whyStuck(kc: k8s.KubeConfig, operator: OperatorProcess | undefined): Promise<string> {
  const namespace = await kc
    .makeApiClient(k8s.CoreV1Api)
    .readNamespace({ name: 'tenant-held' })
    .catch(() => undefined);
  const complaints = (operator?.logs ?? []).filter((l) => l.level === 'warn' || l.level === 'error').slice(-20);
  return [JSON.stringify(namespace?.status), ...complaints.map((l) => JSON.stringify(l))].join('\n');
}

/** The kinds an owner may write, each with a finalizer of the owner's own. */
function ownerObjects(namespace: string): KubeObject[] {
  const metadata = (name: string) => ({ name, namespace, labels: { app: 'held' }, finalizers: ['example.com/hold'] });
  const selector = { matchLabels: { app: 'held' } };
  const pod = {
    securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
    containers: [
      {
        name: 'app',
        image: 'registry.k8s.io/pause:3.10',
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
      },
    ],
  };
  const template = { metadata: { labels: { app: 'held' } }, spec: pod };
  const job = { suspend: true, template: { metadata: template.metadata, spec: { ...pod, restartPolicy: 'Never' } } };
  return [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata('held-config'), data: { a: 'b' } },
    { apiVersion: 'v1', kind: 'Secret', metadata: metadata('held-secret'), stringData: { a: 'b' } },
    { apiVersion: 'v1', kind: 'Service', metadata: metadata('held-service'), spec: { selector: { app: 'held' }, ports: [{ port: 80 }] } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata('held-account') },
    {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: metadata('held-claim'),
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } },
    },
    { apiVersion: 'v1', kind: 'Pod', metadata: metadata('held-pod'), spec: pod },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: metadata('held-deployment'), spec: { replicas: 0, selector, template } },
    {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: metadata('held-statefulset'),
      spec: { replicas: 0, serviceName: 'held-service', selector, template },
    },
    { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: metadata('held-replicaset'), spec: { replicas: 0, selector, template } },
    { apiVersion: 'batch/v1', kind: 'Job', metadata: metadata('held-job'), spec: job },
    {
      apiVersion: 'batch/v1',
      kind: 'CronJob',
      metadata: metadata('held-cronjob'),
      spec: { schedule: '0 0 1 1 *', suspend: true, jobTemplate: { spec: job } },
    },
    {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: metadata('held-autoscaler'),
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'held-deployment' }, minReplicas: 1, maxReplicas: 2 },
    },
    { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: metadata('held-budget'), spec: { minAvailable: 1, selector } },
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'Ingress',
      metadata: metadata('held-ingress'),
      spec: {
        rules: [
          {
            host: 'www.held.example.com',
            http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: 'held-service', port: { number: 80 } } } }] },
          },
        ],
      },
    },
  ] as KubeObject[];
}

describe('deleting a tenant whose owners put finalizers on their own objects', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let admin: KubeClient;

  before(async function () {
    kc = await prepareCluster();
    admin = KubeClient.load(testEnvironment().kubeconfig);
    // With the audit off, as an installation may run: the chart then grants the namespace sweep its
    // own list rules in tenant namespaces (no cluster-wide lists of these kinds), and this spec is
    // what shows the operator starts, onboards and sweeps with exactly those (rbac-minimal).
    operator = startOperator({ audit: { enabled: false } });
  });

  after(async function () {
    admin.close();
    await operator?.stop();
  });

  it('removes every owner finalizer, and only those, so the namespace and the Tenant go, with an Event for each', async function () {
    this.timeout(300_000);
    // Its own domain: the tenant namespaces' admission policies refuse Ingress hosts outside it.
    await applyObjects(kc, [
      tenantManifest('held', { database: { deletionPolicy: 'Delete' }, network: { domains: ['held.example.com'] } }),
    ]);
    await waitForReady(kc, 'held', 120_000);
    const objects = ownerObjects('tenant-held');
    // Created as an owner would, through the tenant-owner role: the group the Tenant names.
    const owner = { user: 'owner@held', groups: ['held-admins'] };
    for (const object of objects) {
      const type = await admin.types.resolve(object.apiVersion ?? '', object.kind ?? '');
      await admin.transport.json({ method: 'POST', path: resourcePath(type, 'tenant-held'), body: object, impersonate: owner });
    }

    await deleteTenant(kc, 'held');
    await eventually('the Tenant to be gone', () => isGone(() => readTenant(kc, 'held')), 240_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await whyStuck(kc, operator)}`, { cause: error });
    });
    assert.ok(await isGone(() => kc.makeApiClient(k8s.CoreV1Api).readNamespace({ name: 'tenant-held' })));

    const removals = (await tenantEvents(kc, 'held')).filter((e) => e.reason === 'OwnerFinalizersRemoved').map((e) => e.message ?? '');
    for (const object of objects) {
      const what = `${object.kind} tenant-held/${object.metadata.name}`;
      assert.ok(
        removals.some((message) => message.startsWith(`Removed finalizer example.com/hold from ${what}:`)),
        `no Event for ${what}:\n${removals.join('\n')}`,
      );
    }
    assert.ok(
      removals.every((message) => !message.includes('kubernetes.io')),
      "a finalizer of Kubernetes' own was removed",
    );
  });
});
