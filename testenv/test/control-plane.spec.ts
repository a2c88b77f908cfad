/**
 * The local control plane is a real Kubernetes: the pinned kube-apiserver with etcd, a
 * controller-manager that finishes namespace deletion, RBAC and Pod Security admission that
 * refuse, and a scheduler with KWOK that make Deployments' pods ready.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { eventually, issueUserKubeconfig, pinnedVersions, testEnvironment, type Environment } from '../src/index.js';
import { repoRoot } from '../src/paths.js';

function kubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

function apiError(error: unknown): { code: number; message: string } {
  assert.ok(error instanceof k8s.ApiException, `expected an API error, got ${String(error)}`);
  const body = (typeof error.body === 'string' ? JSON.parse(error.body) : error.body) as { message?: string };
  return { code: error.code, message: body.message ?? '' };
}

describe('the local control plane', function () {
  let env: Environment;
  let admin: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(function () {
    env = testEnvironment();
    admin = kubeConfig(env.kubeconfig);
    core = admin.makeApiClient(k8s.CoreV1Api);
    apps = admin.makeApiClient(k8s.AppsV1Api);
  });

  it('reports the pinned Kubernetes version on /version', async function () {
    const version = await admin.makeApiClient(k8s.VersionApi).getCode();
    assert.equal(version.gitVersion, pinnedVersions().KUBERNETES_VERSION);
  });

  it('serves the CustomResourceDefinitions from crds/ once applied with kubectl', async function () {
    const extensions = admin.makeApiClient(k8s.ApiextensionsV1Api);
    const files = readdirSync(join(repoRoot, 'crds')).filter((f) => f.endsWith('.yaml'));
    assert.ok(files.length > 0, 'crds/ holds no CRD');
    execFileSync(env.kubectl, ['--kubeconfig', env.kubeconfig, 'apply', '--server-side', '-f', join(repoRoot, 'crds')], { stdio: 'pipe' });
    for (const file of files) {
      const crd = parse(readFileSync(join(repoRoot, 'crds', file), 'utf8')) as k8s.V1CustomResourceDefinition;
      const name = crd.metadata?.name ?? '';
      const served = await eventually(`${name} to be Established`, async () => {
        const current = await extensions.readCustomResourceDefinition({ name });
        return current.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? current : undefined;
      });
      const { group, names, versions } = served.spec;
      // Right after Established the server may still answer 429 "storage is (re)initializing".
      const resources = await eventually(
        `${name} to be listable`,
        async () =>
          (await admin
            .makeApiClient(k8s.CustomObjectsApi)
            .listClusterCustomObject({ group, version: versions[0]?.name ?? '', plural: names.plural })) as { items?: unknown[] },
      );
      assert.ok(Array.isArray(resources.items), `${name} is not served`);
    }
  });

  it('deletes a namespace with objects in it completely', async function () {
    const name = 'deletion-check';
    await core.createNamespace({ body: { metadata: { name } } });
    await core.createNamespacedConfigMap({ namespace: name, body: { metadata: { name: 'settings' }, data: { a: '1' } } });
    await core.createNamespacedSecret({ namespace: name, body: { metadata: { name: 'credentials' }, stringData: { b: '2' } } });
    await core.deleteNamespace({ name });
    await eventually('the namespace to be gone', async () => {
      try {
        await core.readNamespace({ name });
        return undefined;
      } catch (error) {
        return apiError(error).code === 404 ? true : undefined;
      }
    });
  });

  it('refuses an unprivileged user through RBAC', async function () {
    const stranger = kubeConfig(issueUserKubeconfig(env, 'stranger', ['strangers']));
    await assert.rejects(stranger.makeApiClient(k8s.CoreV1Api).listNamespacedSecret({ namespace: 'kube-system' }), (error) => {
      const { code, message } = apiError(error);
      assert.equal(code, 403);
      assert.match(message, /User "stranger" cannot list resource "secrets"/);
      return true;
    });
  });

  it('refuses a privileged pod in a namespace that enforces Pod Security restricted', async function () {
    const namespace = 'restricted-check';
    await core.createNamespace({
      body: { metadata: { name: namespace, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } },
    });
    const pod: k8s.V1Pod = {
      metadata: { name: 'privileged' },
      spec: { containers: [{ name: 'c', image: 'busybox', securityContext: { privileged: true } }] },
    };
    await assert.rejects(core.createNamespacedPod({ namespace, body: pod }), (error) => {
      const { code, message } = apiError(error);
      assert.equal(code, 403);
      assert.match(message, /violates PodSecurity "restricted:latest": privileged/);
      return true;
    });
  });

  it('brings a Deployment with 2 replicas to 2 ready replicas', async function () {
    const namespace = 'deployment-check';
    await core.createNamespace({ body: { metadata: { name: namespace } } });
    const labels = { app: 'web' };
    await apps.createNamespacedDeployment({
      namespace,
      body: {
        metadata: { name: 'web' },
        spec: {
          replicas: 2,
          selector: { matchLabels: labels },
          template: { metadata: { labels }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        },
      },
    });
    const ready = await eventually('2 ready replicas', async () => {
      const deployment = await apps.readNamespacedDeployment({ namespace, name: 'web' });
      return deployment.status?.readyReplicas === 2 ? deployment.status.readyReplicas : undefined;
    });
    assert.equal(ready, 2);
    const pods = await core.listNamespacedPod({ namespace });
    assert.deepEqual(
      pods.items.map((p) => p.status?.phase),
      ['Running', 'Running'],
    );
  });
});
