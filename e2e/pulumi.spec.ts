/**
 * Bulkhead installed with Pulumi, as a platform engineer would: the program of pulumi/ run by
 * the engine built from source (hack/build-pulumi.sh) against the real node, with the same chart,
 * image and values as the helm installation. `pulumi up` brings the operator and the API up,
 * a second `up` changes nothing, and `pulumi destroy` takes them away again, keeping the CRDs and
 * every Tenant.
 *
 * The chart's cluster-wide objects have fixed names, and two operators must never act on the same
 * Tenants (each release elects its leader on a Lease in its own namespace), so the Pulumi
 * installation takes the helm one's place for the length of this spec instead of running beside
 * it: the helm release is uninstalled (Tenants and their data stay) and its pods are gone before
 * `pulumi up`; the Pulumi release's pods are gone before helm installs it again, as it was. At no
 * moment do two operators run (docs/decisions/0019-pulumi-built-from-source.md).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { OpMap, Stack } from '@pulumi/pulumi/automation/index.js';
import { deployments, helmInstall, operatorNamespace, releaseName, rolledOut } from '../hack/installed-platform.js';
import type { LocalPlatform } from '../hack/local-platform.js';
import { openStack } from '../hack/pulumi/engine.js';
import { localStackConfig, localStackName, pulumiNamespace } from '../hack/pulumi/local-stack.js';
import { deploymentProblem } from '../operator/src/resources/release-objects.js';
import type { KubeObject } from '../operator/src/runtime/types.js';
import { localPlatform } from './support/local.js';
import { eventually } from './support/platform.js';

/** The pods of the Bulkhead release in `namespace`, by the chart's labels. */
function bulkheadPods(local: LocalPlatform, namespace: string): string[] {
  return local.kubectl('get', 'pods', '-n', namespace, '-l', 'app.kubernetes.io/name=bulkhead', '-o', 'name').split('\n').filter(Boolean);
}

function podsGone(local: LocalPlatform, namespace: string): Promise<boolean> {
  return eventually(
    `every Bulkhead pod in ${namespace} to be gone`,
    () => Promise.resolve(bulkheadPods(local, namespace).length === 0 || undefined),
    180_000,
  );
}

async function available(local: LocalPlatform, namespace: string): Promise<void> {
  for (const name of Object.values(deployments)) {
    await eventually(
      `Deployment ${namespace}/${name} to be available`,
      () => {
        const live = JSON.parse(local.kubectl('get', 'deployment', name, '-n', namespace, '-o', 'json')) as KubeObject;
        return Promise.resolve(deploymentProblem(live) === undefined || undefined);
      },
      240_000,
    );
  }
}

/** The operations of an update's summary other than "same". */
function changes(summary: OpMap | undefined): Record<string, number> {
  return Object.fromEntries(Object.entries(summary ?? {}).filter(([op, count]) => op !== 'same' && (count ?? 0) > 0));
}

function images(local: LocalPlatform, namespace: string): string[] {
  const live = local.kubectl(
    'get',
    'pods',
    '-n',
    namespace,
    '-l',
    'app.kubernetes.io/name=bulkhead',
    '-o',
    'jsonpath={.items[*].spec.containers[*].image}',
  );
  return [...new Set(live.split(' ').filter(Boolean))];
}

describe('Bulkhead installed with Pulumi onto the real node', function () {
  this.timeout(600_000);
  let local: LocalPlatform;
  let stack: Stack;
  /** The image helm runs, already in the node's containerd: Pulumi installs the same. */
  let image: string;

  before(async function () {
    const found = localPlatform();
    // Only against the platform this run installed with helm on a real node, which the spec replaces for its length.
    if (!found?.installation) this.skip();
    local = found;
    const trailUrl = process.env.BULKHEAD_AUDIT_TRAIL_URL;
    assert.ok(trailUrl, 'the local platform sets BULKHEAD_AUDIT_TRAIL_URL');
    image = local.kubectl(
      'get',
      'deployment',
      deployments.operator,
      '-n',
      operatorNamespace,
      '-o',
      'jsonpath={.spec.template.spec.containers[0].image}',
    );
    const tag = image.split(':').at(-1) ?? '';
    const stateDir = local.env.dir;
    stack = await openStack({ stateDir, stackName: localStackName, config: localStackConfig({ env: local.env, stateDir, tag, trailUrl }) });
    execFileSync(
      local.env.helm,
      ['--kubeconfig', local.env.kubeconfig, 'uninstall', releaseName, '-n', operatorNamespace, '--wait', '--timeout', '4m'],
      { stdio: 'ignore' },
    );
    await podsGone(local, operatorNamespace);
  });

  after(async function () {
    if (!local?.installation) return;
    await podsGone(local, pulumiNamespace);
    const { settings, image: built } = local.installation;
    const tag = image.split(':').at(-1) ?? '';
    helmInstall(local.env, settings, tag, built.name === image ? built : undefined);
    await rolledOut(local.kubectl, [deployments.operator, deployments.api]);
    await eventually("the onboarding API to answer through the platform's port-forward again", async () => {
      const url = process.env.BULKHEAD_API_URL ?? '';
      return (
        (await fetch(`${url}/healthz`).then(
          (reply) => reply.ok,
          () => false,
        )) || undefined
      );
    });
  });

  it('pulumi up installs the chart from the image built here; the operator and the API become available', async function () {
    const result = await stack.up();
    assert.equal(result.summary.result, 'succeeded');
    assert.ok((changes(result.summary.resourceChanges)['create'] ?? 0) > 0, JSON.stringify(result.summary.resourceChanges));
    assert.equal(result.outputs['namespace']?.value, pulumiNamespace);
    assert.equal(result.outputs['releaseStatus']?.value, 'deployed');
    await available(local, pulumiNamespace);
    assert.deepEqual(images(local, pulumiNamespace), [image]);
    const charts = JSON.parse(local.kubectl('get', 'configmap', 'bulkhead-product-charts', '-n', pulumiNamespace, '-o', 'json')) as {
      binaryData?: Record<string, string>;
    };
    assert.ok(
      Object.keys(charts.binaryData ?? {}).some((file) => file.startsWith('tenant-app-')),
      "the product charts are the operator's chart repository",
    );
  });

  it('a second pulumi up changes nothing', async function () {
    const result = await stack.up();
    assert.deepEqual(changes(result.summary.resourceChanges), {});
  });

  it('pulumi destroy removes the release and its namespace, and keeps the CRDs and every Tenant', async function () {
    const tenants = local.kubectl('get', 'tenants', '-o', 'name');
    const result = await stack.destroy();
    assert.equal(result.summary.result, 'succeeded');
    await eventually(
      `namespace ${pulumiNamespace} to be gone`,
      () =>
        Promise.resolve(local.kubectl('get', 'namespace', pulumiNamespace, '--ignore-not-found', '-o', 'name').trim() === '' || undefined),
      180_000,
    );
    assert.equal(
      local.kubectl('get', 'clusterrole', 'bulkhead-operator', '--ignore-not-found', '-o', 'name').trim(),
      '',
      "the chart's cluster-wide objects are gone",
    );
    assert.match(local.kubectl('get', 'crd', 'tenants.bulkhead.dev', '-o', 'name'), /tenants\.bulkhead\.dev/);
    assert.equal(local.kubectl('get', 'tenants', '-o', 'name'), tenants);
  });
});
