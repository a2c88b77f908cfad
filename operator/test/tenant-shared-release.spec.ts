/**
 * Tenants on a plan whose release is Shared (docs/decisions/0050), through the running operator
 * against the real control plane, helm and PostgreSQL: they get no release of their own; one
 * shared release of the chart version in the region's pool namespace serves them, knowing them
 * from a ConfigMap the operator keeps (and puts back when changed by hand) and their credentials
 * from a Secret beside it; the pool namespace has the tenant namespace's guardrails; their
 * conditions and the audit say what they share (and the audit judges the pool namespace's
 * policies); a kill -9 between the ConfigMap and the release converges; each
 * deletion takes the tenant out, and the last one takes the release.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { applyObjects, eventually, isGone } from './support/cluster.js';
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
  type TenantObject,
} from './support/tenants.js';
import { runId } from './providers/support/postgres.js';
import { testEnvironment } from '@bulkhead/testenv';
import { testAccountId, testRegions } from './support/operator-process.js';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import type { Tenant } from '../src/api/tenant.js';
import type { TenantPlan } from '../src/api/tenant-plan.js';
import { auditGuardrails } from '../src/audit/guardrails/index.js';
import { KubeClient } from '../src/kube/client.js';
import { tenantTiers } from '../src/api-server/tiers.js';
import { testChartVersions } from './support/charts.js';

const region = 'eu-central-1';
const poolNamespace = `bulkhead-pool-${region}`;
const release = 'tenant-app-1-4-2';
const tenantsConfigMap = `${release}-tenants`;
const credentialsSecret = `${release}-credentials`;

/** The release record the operator keeps in the tenant's status (docs/decisions/0054). */
const releaseRecord = (tenant: TenantObject): unknown => (tenant.status as { release?: unknown } | undefined)?.release;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);

describe('tenants served by a shared release', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;
  const a = `shared-a-${runId}`;
  const b = `shared-b-${runId}`;
  const c = `shared-c-${runId}`;
  const manifest = (name: string) => tenantManifest(name, { plan: 'pooled-release', database: { deletionPolicy: 'Delete' } });

  const listed = async (): Promise<Record<string, string> | undefined> =>
    (await core.readNamespacedConfigMap({ namespace: poolNamespace, name: tenantsConfigMap }).catch(() => undefined))?.data ?? undefined;
  const credentialKeys = async (): Promise<string[]> =>
    Object.keys(
      (await core.readNamespacedSecret({ namespace: poolNamespace, name: credentialsSecret }).catch(() => undefined))?.data ?? {},
    ).sort();
  const deployment = (namespace: string, name: string) =>
    kc
      .makeApiClient(k8s.AppsV1Api)
      .readNamespacedDeployment({ namespace, name })
      .catch(() => undefined);

  before(async function () {
    this.timeout(300_000);
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    operator = startOperator();
    await applyObjects(kc, [manifest(a), manifest(b)]);
    await waitForReady(kc, a, 120_000);
    await waitForReady(kc, b, 120_000);
  });

  after(async function () {
    this.timeout(300_000);
    await deleteTenantsAndWait(kc, [a, b, c]).catch(() => undefined);
    await operator?.stop();
  });

  it('lists both tenants in the one shared release’s ConfigMap, with a reference to their credentials and never a password', async function () {
    const data = await listed();
    assert.deepEqual(Object.keys(data ?? {}).sort(), [a, b].sort());
    const entry = JSON.parse(data?.[a] ?? '{}') as Record<string, unknown>;
    assert.deepEqual(entry, {
      schema: `tenant_${a.replaceAll('-', '_')}`,
      database: 'bulkhead_pool',
      credentials: { secret: credentialsSecret, key: `${a}.uri` },
    });
    const own = await core.readNamespacedSecret({ namespace: `tenant-${a}`, name: `${a}-database` });
    const password = Buffer.from(own.data?.password ?? '', 'base64').toString();
    assert.ok(password.length > 0);
    assert.ok(!JSON.stringify(data).includes(password), 'the ConfigMap holds no password');
    const pool = await core.readNamespacedSecret({ namespace: poolNamespace, name: credentialsSecret });
    assert.equal(pool.data?.[`${a}.uri`], own.data?.uri, "the shared release reaches a's data with a's own role");
    assert.deepEqual(await credentialKeys(), [`${a}.uri`, `${b}.uri`].sort());
  });

  it('deploys one release in the pool namespace, mounting the ConfigMap and Secret, and none in the tenants’ namespaces', async function () {
    const shared = await deployment(poolNamespace, release);
    const volumes = shared?.spec?.template.spec?.volumes ?? [];
    assert.equal(volumes.find((v) => v.name === 'pool-tenants')?.configMap?.name, tenantsConfigMap);
    assert.equal(volumes.find((v) => v.name === 'pool-credentials')?.secret?.secretName, credentialsSecret);
    for (const name of [a, b]) {
      const own = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: `tenant-${name}` });
      assert.deepEqual(
        own.items.map((d) => d.metadata?.name),
        [],
      );
    }
  });

  it('says in its conditions what it shares: the release, its nodes and network, the database server', async function () {
    const tenant = await readTenant(kc, a);
    const app = condition(tenant, 'AppDeployed');
    assert.equal(app?.status, 'True');
    assert.match(
      app?.message ?? '',
      new RegExp(
        `^no release of its own: served by shared release ${release} \\(version 1\\.4\\.2\\) in namespace ${poolNamespace} with 1 other tenant; ` +
          "it shares the release's pods and their memory, the nodes and pod network they run on, and the database server",
      ),
    );
    assert.match(condition(tenant, 'DatabaseReady')?.message ?? '', /shares database bulkhead_pool/);
  });

  it('records the shared release in its status, and the API’s view reports its release Shared', async function () {
    const tenant = await readTenant(kc, a);
    assert.deepEqual(releaseRecord(tenant), { tier: 'Shared', sharedRelease: release });
    assert.equal(tenantTiers(tenant as unknown as Tenant).release, 'Shared');
  });

  it('gives the pool namespace the guardrails of a tenant namespace, and no way to or from the tenants’ namespaces', async function () {
    const namespace = await core.readNamespace({ name: poolNamespace });
    assert.equal(namespace.metadata?.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(namespace.metadata?.labels?.['bulkhead.dev/pool'], region);
    assert.equal(namespace.metadata?.labels?.['bulkhead.dev/tenant'], undefined);
    assert.ok(await core.readNamespacedResourceQuota({ namespace: poolNamespace, name: 'tenant-quota' }));
    assert.ok(await core.readNamespacedLimitRange({ namespace: poolNamespace, name: 'tenant-limits' }));
    const networking = kc.makeApiClient(k8s.NetworkingV1Api);
    const policies = (await networking.listNamespacedNetworkPolicy({ namespace: poolNamespace })).items;
    const names = policies.map((p) => p.metadata?.name).sort();
    for (const name of ['default-deny', 'allow-same-namespace', 'allow-dns', 'allow-ingress-controller', 'allow-database']) {
      assert.ok(names.includes(name), `${name} in ${names.join(', ')}`);
    }
    assert.deepEqual(policies.find((p) => p.metadata?.name === 'default-deny')?.spec?.policyTypes?.sort(), ['Egress', 'Ingress']);
    const namespacesNamed = (items: k8s.V1NetworkPolicy[]) =>
      JSON.stringify(items.map((p) => p.spec)).match(/"kubernetes.io\/metadata.name":"[^"]+"/g) ?? [];
    assert.ok(
      namespacesNamed(policies).every((selector) => !selector.includes('tenant-')),
      `the pool's policies admit no tenant namespace: ${namespacesNamed(policies).join(', ')}`,
    );
    const tenantPolicies = (await networking.listNamespacedNetworkPolicy({ namespace: `tenant-${a}` })).items;
    assert.ok(
      namespacesNamed(tenantPolicies).every((selector) => !selector.includes(poolNamespace)),
      "the tenant's policies admit nothing from the pool namespace",
    );
  });

  it('is stated plainly in the audit, and the audit finds the pool namespace’s policies holding, then opened by hand', async function () {
    const env = testEnvironment();
    const settings = {
      database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
      kms: { accountId: testAccountId, endpoint: env.kms.endpoint },
    };
    const config = parseOperatorConfig({ regions: Object.fromEntries(testRegions.map((r) => [r, settings])) });
    const client = KubeClient.load(env.kubeconfig);
    const audit = async () => {
      const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => [a, b].includes(t.metadata.name));
      const plans = (await client.list<TenantPlan>('bulkhead.dev/v1alpha1', 'TenantPlan')).items;
      return (await auditGuardrails(client, { tenants, plans, config })).checks;
    };
    const checks = await audit();
    const sharing = checks.find((check) => check.id === 'guardrails.pooled-sharing' && check.tenant === a);
    assert.match(
      sharing?.message ?? '',
      new RegExp(
        `tenant ${a} shares the database server of region ${region} and its pool database bulkhead_pool .*; ` +
          `the shared release ${release} in namespace ${poolNamespace}: its pods and their memory, the nodes and pod network`,
      ),
    );
    const pool = checks.filter((check) => check.id.startsWith('guardrails.pool-'));
    assert.deepEqual(pool.map((check) => `${check.id} ${check.result}`).sort(), [
      'guardrails.pool-network pass',
      'guardrails.pool-pod-security pass',
    ]);
    assert.deepEqual(
      checks.filter((check) => check.result !== 'pass').map((check) => `${check.id} ${check.message}`),
      [],
    );

    const opening = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'let-tenant-in', namespace: poolNamespace },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': `tenant-${a}` } } }] }],
      },
    };
    await client.create(opening, { fieldManager: 'spec' });
    try {
      const opened = (await audit()).find((check) => check.id === 'guardrails.pool-network');
      assert.equal(opened?.reason, 'PoolNamespaceOpened');
      assert.match(opened?.message ?? '', new RegExp(`let-tenant-in admits namespace tenant-${a}`));
    } finally {
      await client.delete({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', name: 'let-tenant-in', namespace: poolNamespace });
      client.close();
    }
  });

  it('puts back a change made to the ConfigMap by hand', async function () {
    await core.patchNamespacedConfigMap(
      { namespace: poolNamespace, name: tenantsConfigMap, body: { data: { [a]: null, intruder: '{"schema":"tenant_other"}' } } },
      mergePatch,
    );
    await eventually('the ConfigMap put back', async () => {
      const keys = Object.keys((await listed()) ?? {}).sort();
      return JSON.stringify(keys) === JSON.stringify([a, b].sort()) ? keys : undefined;
    });
  });

  it('converges after a kill -9 between the ConfigMap write and the release', async function () {
    this.timeout(300_000);
    await operator?.stop();
    operator = undefined;
    await kc.makeApiClient(k8s.AppsV1Api).deleteNamespacedDeployment({ namespace: poolNamespace, name: release });
    await eventually('the shared Deployment gone', () =>
      isGone(() => kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: poolNamespace, name: release })),
    );
    await applyObjects(kc, [manifest(c)]);
    const crashing = startOperator({}, { BULKHEAD_CRASH_AT: 'pool.after-tenants-configmap' });
    assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
    assert.ok(await listed(), 'it died after writing the ConfigMap');
    assert.equal(await deployment(poolNamespace, release), undefined, 'it died before the release');

    operator = startOperator();
    await waitForReady(kc, c, 120_000);
    assert.ok(await deployment(poolNamespace, release), 'the release is back');
    await eventually('all three listed', async () => {
      const keys = Object.keys((await listed()) ?? {}).sort();
      return keys.length === 3 ? keys : undefined;
    });
    assert.deepEqual(Object.keys((await listed()) ?? {}).sort(), [a, b, c].sort());
    assert.deepEqual(await credentialKeys(), [`${a}.uri`, `${b}.uri`, `${c}.uri`].sort());
  });

  it('takes a tenant moved to a plan with a release of its own out of the shared release, its login included', async function () {
    this.timeout(300_000);
    await customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenants', name: c, body: { spec: { plan: 'pooled' } } },
      mergePatch,
    );
    await eventually(
      'a release of its own',
      async () => {
        const own = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: `tenant-${c}` });
        return own.items.length > 0 ? own.items : undefined;
      },
      120_000,
    );
    await eventually('out of the shared release', async () => {
      const keys = Object.keys((await listed()) ?? {}).sort();
      return JSON.stringify(keys) === JSON.stringify([a, b].sort()) ? keys : undefined;
    });
    assert.deepEqual(await credentialKeys(), [`${a}.uri`, `${b}.uri`].sort(), 'the shared app no longer holds its login');
    assert.ok(await deployment(poolNamespace, release), 'the release stays for the others');
    const moved = await waitForReady(kc, c, 120_000);
    assert.deepEqual(releaseRecord(moved), { tier: 'Dedicated' }, 'recorded in no shared release: its reconciles look at none');
    assert.equal(tenantTiers(moved as unknown as Tenant).release, 'Dedicated');
  });

  it('takes each deleted tenant out of the ConfigMap and the Secret, and removes the release with the last', async function () {
    this.timeout(300_000);
    await deleteTenantsAndWait(kc, [c]);
    assert.deepEqual(Object.keys((await listed()) ?? {}).sort(), [a, b].sort());
    assert.deepEqual(await credentialKeys(), [`${a}.uri`, `${b}.uri`].sort());
    assert.ok(await deployment(poolNamespace, release), 'the release stays while it serves a tenant');

    await deleteTenantsAndWait(kc, [a, b]);
    await eventually('the release removed', async () => (await deployment(poolNamespace, release)) === undefined);
    assert.equal(await listed(), undefined);
    assert.deepEqual(await credentialKeys(), []);
    assert.ok(await core.readNamespace({ name: poolNamespace }), 'the pool namespace and its guardrails stay for the next tenant');
  });
});

describe('a shared-release tenant moving between versions, suspended, and given values', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;
  const m = `shared-m-${runId}`;
  const n = `shared-n-${runId}`;
  const next = `tenant-app-${testChartVersions.next.replaceAll('.', '-')}`;
  const manifest = (name: string) => tenantManifest(name, { plan: 'pooled-release', database: { deletionPolicy: 'Delete' } });

  const listedIn = async (name: string): Promise<string[] | undefined> => {
    const data = (await core.readNamespacedConfigMap({ namespace: poolNamespace, name: `${name}-tenants` }).catch(() => undefined))?.data;
    return data === undefined ? undefined : Object.keys(data).sort();
  };
  const credentialsIn = async (name: string): Promise<string[]> =>
    Object.keys(
      (await core.readNamespacedSecret({ namespace: poolNamespace, name: `${name}-credentials` }).catch(() => undefined))?.data ?? {},
    ).sort();
  const deployed = async (name: string): Promise<boolean> =>
    !(await isGone(() => kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: poolNamespace, name })));
  const patchSpec = (name: string, spec: Record<string, unknown>) =>
    customObjects(kc).patchClusterCustomObject({ group, version, plural: 'tenants', name, body: { spec } }, mergePatch);
  const appCondition = async (name: string) => condition(await readTenant(kc, name), 'AppDeployed');
  const same = (actual: string[] | undefined, expected: string[]) => JSON.stringify(actual) === JSON.stringify([...expected].sort());

  before(async function () {
    this.timeout(300_000);
    kc = await prepareCluster();
    core = kc.makeApiClient(k8s.CoreV1Api);
    operator = startOperator();
    await applyObjects(kc, [manifest(m), manifest(n)]);
    await waitForReady(kc, m, 120_000);
    await waitForReady(kc, n, 120_000);
  });

  after(async function () {
    this.timeout(300_000);
    operator ??= startOperator();
    await deleteTenantsAndWait(kc, [m, n]).catch(() => undefined);
    await operator.stop();
  });

  it('refuses spec.app.values with ValuesNotAllowed, naming the plan and the release, and serves the tenant on without them', async function () {
    this.timeout(120_000);
    await patchSpec(n, { app: { values: { replicaCount: 3 } } });
    const refused = await eventually('AppDeployed ValuesNotAllowed', async () => {
      const app = await appCondition(n);
      return app?.reason === 'ValuesNotAllowed' ? app : undefined;
    });
    assert.equal(refused.status, 'False');
    assert.equal(
      refused.message,
      `spec.app.values sets replicaCount, but plan pooled-release serves its tenants from the shared release ${release}, which takes no tenant's values`,
    );
    assert.deepEqual(await listedIn(release), [m, n].sort(), 'still served: the release takes no values, it does not drop the tenant');
    const shared = await kc.makeApiClient(k8s.AppsV1Api).readNamespacedDeployment({ namespace: poolNamespace, name: release });
    assert.notEqual(shared.spec?.replicas, 3, 'no tenant steers what serves the others');
    assert.deepEqual(releaseRecord(await readTenant(kc, n)), { tier: 'Shared', sharedRelease: release });

    await patchSpec(n, { app: { values: null } });
    await waitForReady(kc, n, 60_000);
  });

  it('moves a tenant whose version changes into that version’s release, the old one serving the others meanwhile', async function () {
    this.timeout(180_000);
    await patchSpec(n, { app: { version: testChartVersions.next } });
    await eventually('n in the new release', async () => same(await listedIn(next), [n]), 120_000);
    assert.deepEqual(await credentialsIn(next), [`${n}.uri`]);
    const moved = await waitForReady(kc, n, 120_000);
    assert.deepEqual(releaseRecord(moved), { tier: 'Shared', sharedRelease: next });
    assert.ok(await deployed(next), 'the new version’s release runs');
    await eventually('n out of the old release', async () => same(await listedIn(release), [m]));
    assert.deepEqual(await credentialsIn(release), [`${m}.uri`], 'the old release no longer holds its login');
    assert.ok(await deployed(release), 'the old version’s release stays while it serves m');
  });

  it('takes a suspended tenant out of its release, removing the release it was the last of', async function () {
    this.timeout(120_000);
    await patchSpec(n, { suspended: true });
    const app = await eventually('AppDeployed Suspended', async () => {
      const current = await appCondition(n);
      return current?.reason === 'Suspended' ? current : undefined;
    });
    assert.match(app.message, new RegExp(`^taken out of shared release ${next} in ${poolNamespace} while suspended`));
    await eventually('the new version’s release removed with its last tenant', async () => !(await deployed(next)), 60_000);
    assert.equal(await listedIn(next), undefined);
    assert.deepEqual(await credentialsIn(next), [], 'emptied: the operator may not delete Secrets');
    const suspended = await readTenant(kc, n);
    assert.deepEqual(releaseRecord(suspended), { tier: 'Shared' }, 'its tier, in no shared release');
    assert.equal(tenantTiers(suspended as unknown as Tenant).release, 'Shared');
    assert.deepEqual(await listedIn(release), [m], 'the other version’s release is untouched');
  });

  it('converges after a kill -9 between a move’s login and its ConfigMap entry, moved meanwhile to a release of its own: the record finds the login', async function () {
    this.timeout(300_000);
    await operator?.stop();
    operator = undefined;
    await patchSpec(m, { app: { version: testChartVersions.next } });
    // n is suspended: m is the only tenant whose reconcile reaches the crash point.
    const crashing = startOperator({}, { BULKHEAD_CRASH_AT: 'pool.after-credentials' });
    assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
    assert.deepEqual(await credentialsIn(next), [`${m}.uri`], 'it died with its login in the new release');
    assert.equal(await listedIn(next), undefined, 'and no ConfigMap listing it: a look through the ConfigMaps would not find it');
    assert.deepEqual(releaseRecord(await readTenant(kc, m)), { tier: 'Shared', sharedRelease: next }, 'recorded before it joined');
    assert.equal(await listedIn(release), undefined, 'it had left the old release, its last tenant, which went');

    await patchSpec(m, { plan: 'pooled' });
    operator = startOperator();
    const dedicated = await waitForReady(kc, m, 120_000);
    assert.deepEqual(releaseRecord(dedicated), { tier: 'Dedicated' });
    assert.deepEqual(await credentialsIn(next), [], 'the shared release holds its login no more');
    assert.equal(await listedIn(next), undefined);
    assert.equal(await deployed(next), false);
    const own = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: `tenant-${m}` });
    assert.equal(own.items.length, 1, 'a release of its own');
  });

  it('puts a resumed tenant back into its version’s release', async function () {
    this.timeout(120_000);
    await patchSpec(n, { suspended: false });
    await waitForReady(kc, n, 120_000);
    assert.deepEqual(await listedIn(next), [n]);
    assert.deepEqual(await credentialsIn(next), [`${n}.uri`]);
    assert.ok(await deployed(next));
    assert.deepEqual(releaseRecord(await readTenant(kc, n)), { tier: 'Shared', sharedRelease: next });
  });
});
