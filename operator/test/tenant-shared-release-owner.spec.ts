/**
 * A hostile owner of a tenant served by a shared release (docs/decisions/0050, 0054), as a real
 * identity (a client certificate in the tenant's owner group, authenticated and authorized by the
 * real kube-apiserver): the shared release keeps every member's database login in one Secret in the
 * region's pool namespace, and runs the pods that hold them all. Everything the owner may do in its
 * own namespace (read Secrets, exec, port-forward, create pods, bind roles) must stop at that
 * namespace: each attempt on the pool namespace is refused 403, and the one lever the owner has
 * from inside its namespace (an ExternalName Service naming the shared release) is refused at
 * admission. The owner reading its own database Secret first shows the identity is real and bound.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { apiError, applyObjects, eventually, kubeConfig } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { customObjects, deleteTenantsAndWait, group, tenantManifest, version, waitForReady } from './support/tenants.js';
import { runId } from './providers/support/postgres.js';

const region = 'eu-central-1';
const poolNamespace = `bulkhead-pool-${region}`;
const release = 'tenant-app-1-4-2';
const credentialsSecret = `${release}-credentials`;
const tenantsConfigMap = `${release}-tenants`;

/** Asserts that `request` is refused 403 (not 401: the identity is authenticated, only not allowed). */
async function forbidden(what: string, request: () => Promise<unknown>): Promise<void> {
  try {
    await request();
  } catch (error) {
    const { code, message } = apiError(error);
    assert.equal(code, 403, `${what}: ${code} ${message}`);
    return;
  }
  assert.fail(`${what} was allowed`);
}

describe('a hostile owner of a shared-release tenant', function () {
  let admin: k8s.KubeConfig;
  let owner: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let pod: string;
  const h = `shared-h-${runId}`;
  const neighbour = `shared-g-${runId}`;
  const manifest = (name: string) => tenantManifest(name, { plan: 'pooled-release', database: { deletionPolicy: 'Delete' } });

  before(async function () {
    this.timeout(300_000);
    admin = await prepareCluster();
    operator = startOperator();
    await applyObjects(admin, [manifest(h), manifest(neighbour)]);
    await waitForReady(admin, h, 120_000);
    await waitForReady(admin, neighbour, 120_000);
    const core = admin.makeApiClient(k8s.CoreV1Api);
    const held = await core.readNamespacedSecret({ namespace: poolNamespace, name: credentialsSecret });
    assert.deepEqual(Object.keys(held.data ?? {}).sort(), [`${h}.uri`, `${neighbour}.uri`].sort(), 'the Secret holds both logins');
    // KWOK runs the shared Deployment's pod; a session into it is what an owner would want.
    pod = await eventually('a pod of the shared release', async () => {
      const pods = await core.listNamespacedPod({ namespace: poolNamespace });
      return pods.items[0]?.metadata?.name;
    });
    owner = kubeConfig(issueUserKubeconfig(testEnvironment(), `mallory-${runId}`, [`${h}-admins`]));
  });

  after(async function () {
    this.timeout(300_000);
    await deleteTenantsAndWait(admin, [h, neighbour]).catch(() => undefined);
    await operator?.stop();
  });

  it('reads its own database Secret: the identity is real and bound in its namespace', async function () {
    const own = await owner.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace: `tenant-${h}`, name: `${h}-database` });
    assert.ok(own.data?.uri, 'its own connection URI');
  });

  it('cannot read the shared release’s credentials Secret or tenants ConfigMap, by name or by list, in the pool or cluster-wide', async function () {
    const core = owner.makeApiClient(k8s.CoreV1Api);
    await forbidden('get the credentials Secret', () => core.readNamespacedSecret({ namespace: poolNamespace, name: credentialsSecret }));
    await forbidden('list Secrets in the pool', () => core.listNamespacedSecret({ namespace: poolNamespace }));
    await forbidden('list Secrets cluster-wide', () => core.listSecretForAllNamespaces());
    await forbidden('watch Secrets in the pool', () =>
      core.listNamespacedSecret({ namespace: poolNamespace, watch: true, timeoutSeconds: 1 }),
    );
    await forbidden('get the tenants ConfigMap', () => core.readNamespacedConfigMap({ namespace: poolNamespace, name: tenantsConfigMap }));
    await forbidden('list ConfigMaps in the pool', () => core.listNamespacedConfigMap({ namespace: poolNamespace }));
    await forbidden('list ConfigMaps cluster-wide', () => core.listConfigMapForAllNamespaces());
  });

  it('cannot exec, attach, port-forward into or read the logs of the shared release’s pods', async function () {
    const core = owner.makeApiClient(k8s.CoreV1Api);
    await forbidden('list pods in the pool', () => core.listNamespacedPod({ namespace: poolNamespace }));
    await forbidden('exec', () => core.connectPostNamespacedPodExec({ namespace: poolNamespace, name: pod, command: 'cat', stdout: true }));
    await forbidden('attach', () => core.connectPostNamespacedPodAttach({ namespace: poolNamespace, name: pod, stdout: true }));
    await forbidden('port-forward', () => core.connectPostNamespacedPodPortforward({ namespace: poolNamespace, name: pod, ports: 8080 }));
    await forbidden('logs', () => core.readNamespacedPodLog({ namespace: poolNamespace, name: pod }));
  });

  it('cannot create, change or delete anything in the pool namespace', async function () {
    const core = owner.makeApiClient(k8s.CoreV1Api);
    const reader: k8s.V1Pod = {
      metadata: { name: 'reader' },
      spec: {
        containers: [{ name: 'reader', image: 'busybox', command: ['cat', '/credentials'] }],
        volumes: [{ name: 'credentials', secret: { secretName: credentialsSecret } }],
      },
    };
    await forbidden('create a pod mounting the credentials', () => core.createNamespacedPod({ namespace: poolNamespace, body: reader }));
    await forbidden('create a ConfigMap', () =>
      core.createNamespacedConfigMap({ namespace: poolNamespace, body: { metadata: { name: 'planted' }, data: { x: 'y' } } }),
    );
    await forbidden('add itself to the tenants ConfigMap', () =>
      core.patchNamespacedConfigMap(
        { namespace: poolNamespace, name: tenantsConfigMap, body: { data: { [h]: '{"schema":"tenant_other"}' } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
    await forbidden('bind itself a role in the pool', () =>
      owner.makeApiClient(k8s.RbacAuthorizationV1Api).createNamespacedRoleBinding({
        namespace: poolNamespace,
        body: {
          metadata: { name: 'mine' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'edit' },
          subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: `${h}-admins` }],
        },
      }),
    );
    await forbidden('open the pool’s NetworkPolicy', () =>
      owner.makeApiClient(k8s.NetworkingV1Api).deleteNamespacedNetworkPolicy({ namespace: poolNamespace, name: 'default-deny' }),
    );
    await forbidden('delete the shared Deployment', () =>
      owner.makeApiClient(k8s.AppsV1Api).deleteNamespacedDeployment({ namespace: poolNamespace, name: release }),
    );
    await forbidden('create a Service in the pool', () =>
      core.createNamespacedService({ namespace: poolNamespace, body: { metadata: { name: 'tap' }, spec: { ports: [{ port: 80 }] } } }),
    );
  });

  it('cannot change its Tenant to steer the shared release (values, version, plan)', async function () {
    await forbidden('patch its Tenant', () =>
      customObjects(owner).patchClusterCustomObject(
        { group, version, plural: 'tenants', name: h, body: { spec: { app: { values: { replicaCount: 0 } } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      ),
    );
  });

  it('cannot name the shared release from its own namespace with an ExternalName Service: admission refuses it', async function () {
    const service: k8s.V1Service = {
      metadata: { name: 'shared' },
      spec: { type: 'ExternalName', externalName: `${release}.${poolNamespace}.svc.cluster.local` },
    };
    try {
      await owner.makeApiClient(k8s.CoreV1Api).createNamespacedService({ namespace: `tenant-${h}`, body: service });
    } catch (error) {
      const { code, message } = apiError(error);
      assert.equal(code, 422, message);
      assert.match(message, /ValidatingAdmissionPolicy .*denied request: .*ExternalName/);
      return;
    }
    assert.fail('an ExternalName Service into the pool namespace was admitted');
  });
});
