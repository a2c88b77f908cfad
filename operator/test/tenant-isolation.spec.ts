/**
 * What a tenant owner can and cannot do, checked as that owner: a real client certificate for a
 * member of the tenant's owner group, so RBAC and admission see exactly that identity.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { apiError, applyObjects, kubeConfig } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { deleteTenantsAndWait, tenantManifest, waitForReady } from './support/tenants.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const own = 'tenant-isol-a';
const other = 'tenant-isol-b';

/** Asserts the promise is refused with `code` and a message matching `pattern`. */
async function refused(promise: Promise<unknown>, code: number, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error) => {
    const failure = apiError(error);
    assert.equal(failure.code, code, failure.message);
    assert.match(failure.message, pattern);
    return true;
  });
}

function pod(name: string, spec: Partial<k8s.V1PodSpec>, container: Partial<k8s.V1Container> = {}): k8s.V1Pod {
  return {
    metadata: { name },
    spec: {
      securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/app:1',
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          ...container,
        },
      ],
      ...spec,
    },
  };
}

describe('a tenant owner', function () {
  let admin: k8s.KubeConfig;
  let owner: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let operator: OperatorProcess | undefined;

  before(async function () {
    admin = await prepareCluster();
    operator = startOperator();
    await applyObjects(admin, [tenantManifest('isol-a'), tenantManifest('isol-b')]);
    await waitForReady(admin, 'isol-a');
    await waitForReady(admin, 'isol-b');
    owner = kubeConfig(issueUserKubeconfig(testEnvironment(), 'alice', ['isol-a-admins']));
    core = owner.makeApiClient(k8s.CoreV1Api);
  });

  after(async function () {
    await deleteTenantsAndWait(admin, ['isol-a', 'isol-b']);
    await operator?.stop();
  });

  it('runs a compliant Deployment in the own namespace', async function () {
    const labels = { app: 'web' };
    await owner.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
      namespace: own,
      body: {
        metadata: { name: 'web' },
        spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: pod('x', {}).spec! } },
      },
    });
  });

  it("cannot list or read anything in another tenant's namespace", async function () {
    await refused(core.listNamespacedPod({ namespace: other }), 403, /cannot list resource "pods"/);
    await refused(core.listNamespacedSecret({ namespace: other }), 403, /cannot list resource "secrets"/);
    await refused(core.readNamespacedConfigMap({ namespace: other, name: 'kube-root-ca.crt' }), 403, /cannot get resource "configmaps"/);
    await refused(core.readNamespace({ name: other }), 403, /cannot get resource "namespaces"/);
  });

  it('cannot change its NetworkPolicies, quota, limit range or namespace labels', async function () {
    const networking = owner.makeApiClient(k8s.NetworkingV1Api);
    await refused(
      networking.deleteNamespacedNetworkPolicy({ namespace: own, name: 'default-deny' }),
      403,
      /cannot delete resource "networkpolicies"/,
    );
    await refused(
      networking.createNamespacedNetworkPolicy({
        namespace: own,
        body: { metadata: { name: 'allow-all' }, spec: { podSelector: {}, ingress: [{}] } },
      }),
      403,
      /cannot create resource "networkpolicies"/,
    );
    await refused(
      core.patchNamespacedResourceQuota({ namespace: own, name: 'tenant-quota', body: { spec: { hard: { pods: '1000' } } } }, mergePatch),
      403,
      /cannot patch resource "resourcequotas"/,
    );
    await refused(core.deleteNamespacedLimitRange({ namespace: own, name: 'tenant-limits' }), 403, /cannot delete resource "limitranges"/);
    await refused(
      core.patchNamespace(
        { name: own, body: { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } } },
        mergePatch,
      ),
      403,
      /cannot patch resource "namespaces"/,
    );
  });

  it('cannot bind cluster-admin or write any role', async function () {
    const rbac = owner.makeApiClient(k8s.RbacAuthorizationV1Api);
    await refused(
      rbac.createNamespacedRoleBinding({
        namespace: own,
        body: {
          metadata: { name: 'escalate' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        },
      }),
      403,
      /cannot create resource "rolebindings"/,
    );
    await refused(
      rbac.createNamespacedRole({
        namespace: own,
        body: {
          metadata: { name: 'everything' },
          rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }],
        },
      }),
      403,
      /cannot create resource "roles"/,
    );
    await refused(
      rbac.createClusterRoleBinding({
        body: {
          metadata: { name: 'alice-admin' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
          subjects: [{ kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' }],
        },
      }),
      403,
      /cannot create resource "clusterrolebindings"/,
    );
  });

  const podCases: [string, k8s.V1Pod, RegExp][] = [
    [
      'privileged',
      pod('privileged', {}, { securityContext: { privileged: true, allowPrivilegeEscalation: true, capabilities: { drop: ['ALL'] } } }),
      /privileged/,
    ],
    ['hostNetwork', pod('host-network', { hostNetwork: true }), /host namespaces \(hostNetwork=true\)/],
    ['hostPID', pod('host-pid', { hostPID: true }), /host namespaces \(hostPID=true\)/],
    ['hostIPC', pod('host-ipc', { hostIPC: true }), /host namespaces \(hostIPC=true\)/],
    ['hostPath', pod('host-path', { volumes: [{ name: 'root', hostPath: { path: '/' } }] }), /restricted volume type "hostPath"/],
    [
      'added capabilities',
      pod('net-admin', {}, { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_ADMIN'] } } }),
      /non-default capabilities|unrestricted capabilities/,
    ],
    [
      'run as root',
      pod('root', { securityContext: { runAsNonRoot: false, runAsUser: 0, seccompProfile: { type: 'RuntimeDefault' } } }),
      /runAsNonRoot != true|runAsUser=0/,
    ],
  ];
  for (const [what, body, reason] of podCases) {
    it(`is refused a ${what} pod by Pod Security admission`, async function () {
      await assert.rejects(core.createNamespacedPod({ namespace: own, body }), (error) => {
        const { code, message } = apiError(error);
        assert.equal(code, 403);
        assert.match(message, /violates PodSecurity "restricted:v1\.36"/);
        assert.match(message, reason);
        return true;
      });
    });
  }

  it('is refused a NodePort Service by the admission policy, before the quota is even asked', async function () {
    await refused(
      core.createNamespacedService({
        namespace: own,
        body: {
          metadata: { name: 'exposed' },
          spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] },
        },
      }),
      422,
      /bulkhead\.dev\/cluster-ip-only/,
    );
  });
});
