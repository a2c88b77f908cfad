/**
 * The release provider with the real helm: packaging the tenant app chart into a repository on
 * disk, rendering it for a tenant, and refusing what a tenant's release must not contain.
 */
import assert from 'node:assert/strict';
import { chmod, cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testEnvironment } from '@bulkhead/testenv';
import { namespaceName, releaseName } from '../../src/api/names.js';
import {
  ChartNotFound,
  RenderFailed,
  RenderRefused,
  locateChart,
  mergeValues,
  operatorValues,
  packageChart,
  renderRelease,
  validateRenderedObjects,
  type ChartValues,
  type RenderedRelease,
} from '../../src/providers/release/index.js';
import type { KubeObject } from '../../src/runtime/types.js';
import { hostileTemplates } from '../support/charts.js';

const chartSource = join(import.meta.dirname, '../../../charts/tenant-app');
const acme = { metadata: { name: 'acme' } };
const namespace = namespaceName(acme);

/** The parts of a rendered Deployment the spec reads. */
interface RenderedDeployment extends KubeObject {
  spec: {
    template: {
      spec: {
        automountServiceAccountToken?: boolean;
        securityContext: { runAsNonRoot?: boolean; seccompProfile?: { type?: string } };
        containers: {
          env?: { name: string; valueFrom?: { secretKeyRef?: { name: string } } }[];
          envFrom?: { configMapRef?: { name: string } }[];
          securityContext: {
            runAsNonRoot?: boolean;
            readOnlyRootFilesystem?: boolean;
            allowPrivilegeEscalation?: boolean;
            capabilities?: { drop?: string[] };
          };
          resources: { requests?: Record<string, string>; limits?: Record<string, string> };
        }[];
      };
    };
  };
}

function find(objects: readonly KubeObject[], kind: string): KubeObject {
  const found = objects.find((object) => object.kind === kind);
  assert.ok(found, `the release renders no ${kind}`);
  return found;
}

function deploymentOf(rendered: RenderedRelease): RenderedDeployment {
  return find(rendered.objects, 'Deployment') as RenderedDeployment;
}

describe('rendering the tenant app chart with helm', function () {
  let helm: string;
  let work: string;
  let repository: string;

  function valuesFor(tenantValues: ChartValues = {}): ChartValues {
    return mergeValues({
      planValues: { replicaCount: 2 },
      tenantValues,
      allowedKeys: ['logLevel', 'featureFlags', 'replicaCount', 'image'],
      operatorValues: operatorValues(acme),
    }).values;
  }

  async function render(
    options: { version?: string; values?: ChartValues; helmPath?: string; chartDir?: string } = {},
  ): Promise<RenderedRelease> {
    const chartPath = await locateChart(options.chartDir ?? repository, 'tenant-app', options.version ?? '1.1.0');
    return renderRelease({
      helm: options.helmPath ?? helm,
      chartPath,
      releaseName: releaseName(acme),
      namespace,
      values: options.values ?? valuesFor(),
    });
  }

  before(async function () {
    helm = testEnvironment().helm;
    work = await mkdtemp(join(tmpdir(), 'bulkhead-release-'));
    repository = join(work, 'charts');
    await packageChart(helm, chartSource, repository, { version: '1.0.0', appVersion: '1.0.0' });
    await packageChart(helm, chartSource, repository, { version: '1.1.0', appVersion: '1.1.0' });
  });

  after(async function () {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('packages the chart at each version into the repository', async function () {
    assert.equal(await locateChart(repository, 'tenant-app', '1.0.0'), join(repository, 'tenant-app-1.0.0.tgz'));
    assert.equal(await locateChart(repository, 'tenant-app', '1.1.0'), join(repository, 'tenant-app-1.1.0.tgz'));
  });

  it('renders a Deployment, Service, ServiceAccount and ConfigMap, all in the tenant namespace', async function () {
    const rendered = await render();
    const objects = validateRenderedObjects(rendered.objects, { namespace });
    assert.deepEqual(objects.map((object) => object.kind).sort(), ['ConfigMap', 'Deployment', 'Service', 'ServiceAccount']);
    for (const object of objects) assert.equal(object.metadata.namespace, namespace, `${object.kind} ${object.metadata.name}`);
    assert.equal(find(objects, 'Deployment').metadata.labels?.['bulkhead.dev/tenant'], 'acme');
  });

  it('runs the app under the restricted security context with requests and limits', async function () {
    const pod = deploymentOf(await render()).spec.template.spec;
    assert.equal(pod.securityContext.runAsNonRoot, true);
    assert.equal(pod.securityContext.seccompProfile?.type, 'RuntimeDefault');
    assert.equal(pod.automountServiceAccountToken, false);
    for (const container of pod.containers) {
      assert.equal(container.securityContext.runAsNonRoot, true);
      assert.equal(container.securityContext.readOnlyRootFilesystem, true);
      assert.equal(container.securityContext.allowPrivilegeEscalation, false);
      assert.deepEqual(container.securityContext.capabilities?.drop, ['ALL']);
      assert.ok(container.resources.requests?.cpu && container.resources.requests.memory, 'requests cpu and memory');
      assert.ok(container.resources.limits?.cpu && container.resources.limits.memory, 'limits cpu and memory');
    }
  });

  it("wires the app to the tenant's database Secret and encryption ConfigMap", async function () {
    const [container] = deploymentOf(await render()).spec.template.spec.containers;
    assert.equal(container?.env?.find((variable) => variable.name === 'DATABASE_URL')?.valueFrom?.secretKeyRef?.name, 'acme-database');
    assert.ok(container?.envFrom?.some((source) => source.configMapRef?.name === 'acme-encryption-key'));
  });

  it('reports the chart version it rendered', async function () {
    assert.equal((await render({ version: '1.0.0' })).chartVersion, '1.0.0');
    const newer = await render({ version: '1.1.0' });
    assert.equal(newer.chartVersion, '1.1.0');
    assert.equal(deploymentOf(newer).metadata.labels?.['helm.sh/chart'], 'tenant-app-1.1.0');
  });

  it('gives the same digest for the same values, and another when a value changes', async function () {
    const first = await render();
    const again = await render();
    const debug = await render({ values: valuesFor({ logLevel: 'debug' }) });
    assert.equal(again.digest, first.digest);
    assert.notEqual(debug.digest, first.digest);
    assert.notEqual((await render({ version: '1.0.0' })).digest, first.digest);
  });

  it("fails with helm's own message when values break the chart's schema", async function () {
    await assert.rejects(render({ values: valuesFor({ replicaCount: 'many' }) }), (error: unknown) => {
      assert.ok(error instanceof RenderFailed);
      assert.equal(error.reason, 'RenderFailed');
      assert.match(error.detail, /values don't meet the specifications of the schema/);
      assert.match(error.detail, /\/replicaCount': got string, want integer/);
      assert.equal(error.detail, error.detail.trim());
      return true;
    });
  });

  it('writes values to a private temporary file, removed afterwards, and never onto the command line', async function () {
    const record = join(work, 'record');
    const wrapper = join(work, 'helm-wrapper.sh');
    // Records what the real helm is given, then runs it.
    await writeFile(
      wrapper,
      [
        '#!/bin/sh',
        `printf '%s\\n' "$@" > '${record}.'"$1"'.args'`,
        'previous=""',
        'for arg in "$@"; do',
        `  if [ "$previous" = "--values" ]; then stat -c '%a' "$arg" > '${record}.mode'; echo "$arg" > '${record}.path'; cp "$arg" '${record}.values'; fi`,
        '  previous="$arg"',
        'done',
        `exec '${helm}' "$@"`,
        '',
      ].join('\n'),
    );
    await chmod(wrapper, 0o700);
    await render({ helmPath: wrapper, values: valuesFor({ image: { repository: 'registry.example.com/marker-7f3a9c' } }) });
    const args = await readFile(`${record}.template.args`, 'utf8');
    assert.doesNotMatch(args, /marker-7f3a9c/);
    assert.match(await readFile(`${record}.values`, 'utf8'), /marker-7f3a9c/);
    assert.equal((await readFile(`${record}.mode`, 'utf8')).trim(), '600');
    const valuesPath = (await readFile(`${record}.path`, 'utf8')).trim();
    await assert.rejects(stat(valuesPath), { code: 'ENOENT' });
  });

  describe('a chart that reaches outside the tenant', function () {
    let escaping: string;
    let refused: RenderRefused;

    before(async function () {
      const chartDir = join(work, 'escaping-chart');
      await cp(chartSource, chartDir, { recursive: true });
      await writeFile(join(chartDir, 'templates', 'escape.yaml'), hostileTemplates);
      escaping = join(work, 'escaping-charts');
      await packageChart(helm, chartDir, escaping, { version: '1.0.0', appVersion: '1.0.0' });
      const rendered = await render({ chartDir: escaping, version: '1.0.0' });
      try {
        validateRenderedObjects(rendered.objects, { namespace });
      } catch (error) {
        if (error instanceof RenderRefused) refused = error;
        else throw error;
      }
      assert.ok(refused, 'validation accepted a chart that reaches outside the tenant');
    });

    it('is refused for its ClusterRole', function () {
      assert.ok(
        refused.problems.some((problem) => problem.object === 'ClusterRole tenant-acme-reader' && problem.rule === 'clusterScoped'),
      );
    });

    it('is refused for its object in another namespace', function () {
      assert.ok(refused.problems.some((problem) => problem.object === 'ConfigMap tenant-acme-leak' && problem.rule === 'foreignNamespace'));
    });

    it('is refused for both at once, and for nothing else', function () {
      assert.equal(refused.problems.length, 2);
      assert.match(refused.message, /ClusterRole tenant-acme-reader: is cluster-scoped/);
      assert.match(refused.message, /ConfigMap tenant-acme-leak: is in namespace kube-system/);
    });
  });

  it('names the chart and version it cannot find', async function () {
    await assert.rejects(render({ version: '2.0.0' }), (error: unknown) => {
      assert.ok(error instanceof ChartNotFound);
      assert.equal(error.chart, 'tenant-app');
      assert.equal(error.version, '2.0.0');
      assert.match(error.message, /^chart tenant-app version 2\.0\.0 not found: .* holds versions 1\.0\.0, 1\.1\.0$/);
      return true;
    });
  });
});
