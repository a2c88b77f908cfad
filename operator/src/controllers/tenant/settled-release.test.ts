import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../runtime/types.js';
import type { StepContext } from './context.js';
import { observedDigest, releaseInputsDigest, settledRelease, type ReleaseInputs } from './settled-release.js';

const chartDir = mkdtempSync(join(tmpdir(), 'settled-release-'));
const chart = (name: string, bytes: string): string => {
  const path = join(chartDir, name);
  writeFileSync(path, bytes);
  return path;
};

const inputs: ReleaseInputs = {
  helm: '/usr/bin/helm',
  chartPath: chart('tenant-app-1.0.0.tgz', 'chart one'),
  releaseName: 'acme',
  namespace: 'tenant-acme',
  values: { replicaCount: 2, image: { tag: '1.0.0', pullPolicy: 'IfNotPresent' } },
  tenant: { name: 'acme', uid: 'uid-1' },
  version: '1.0.0',
};

describe('the digest of a release’s inputs', () => {
  it('is the same for the same inputs, whatever the order of the values’ keys', async () => {
    const reordered = { ...inputs, values: { image: { pullPolicy: 'IfNotPresent', tag: '1.0.0' }, replicaCount: 2 } };
    assert.equal(await releaseInputsDigest(reordered), await releaseInputsDigest(inputs));
  });

  it('changes with a value, the version, the names, the tenant’s uid and helm', async () => {
    const base = await releaseInputsDigest(inputs);
    const changes: Partial<ReleaseInputs>[] = [
      { values: { ...inputs.values, replicaCount: 0 } },
      { version: '1.0.1' },
      { namespace: 'tenant-other' },
      { releaseName: 'other' },
      { tenant: { name: 'acme', uid: 'uid-2' } },
      { helm: '/opt/helm' },
    ];
    for (const change of changes) assert.notEqual(await releaseInputsDigest({ ...inputs, ...change }), base, JSON.stringify(change));
  });

  it('changes when the chart’s bytes change, even at the same path', async () => {
    const path = chart('tenant-app-2.0.0.tgz', 'first build');
    const before = await releaseInputsDigest({ ...inputs, chartPath: path });
    chart('tenant-app-2.0.0.tgz', 'rebuilt with other templates');
    assert.notEqual(await releaseInputsDigest({ ...inputs, chartPath: path }), before);
  });
});

const deployment = (): KubeObject & Record<string, unknown> => ({
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: {
    name: 'acme',
    namespace: 'tenant-acme',
    uid: 'd-1',
    resourceVersion: '100',
    generation: 1,
    labels: { app: 'acme' },
    annotations: { 'deployment.kubernetes.io/revision': '1' },
  },
  spec: { replicas: 2, template: { spec: { containers: [{ name: 'app', image: 'app:1.0.0' }] } } },
  status: { availableReplicas: 2 },
});
const service = (): KubeObject & Record<string, unknown> => ({
  apiVersion: 'v1',
  kind: 'Service',
  metadata: { name: 'acme', namespace: 'tenant-acme', uid: 's-1', resourceVersion: '90' },
  spec: { ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] },
});

describe('the observed digest of a release’s live objects', () => {
  const base = observedDigest([deployment(), service()]);

  it('does not change with the objects’ order, status or the server’s bookkeeping', () => {
    const busy = deployment();
    busy.metadata.resourceVersion = '250';
    busy.metadata.generation = 1;
    (busy.metadata as unknown as Record<string, unknown>).managedFields = [{ manager: 'kube-controller-manager' }];
    busy.status = { availableReplicas: 1, unavailableReplicas: 1 };
    assert.equal(observedDigest([service(), busy]), base);
  });

  it('changes when anyone edits the spec, a label or an annotation, or the object is made again', () => {
    const edits: ((d: ReturnType<typeof deployment>) => void)[] = [
      (d) => (d.spec = { replicas: 3, template: { spec: { containers: [{ name: 'app', image: 'app:1.0.0' }] } } }),
      (d) => (d.metadata.labels = { app: 'acme', extra: 'yes' }),
      (d) => (d.metadata.annotations = {}),
      (d) => (d.metadata.uid = 'd-2'),
    ];
    for (const edit of edits) {
      const edited = deployment();
      edit(edited);
      assert.notEqual(observedDigest([edited, service()]), base, edit.toString());
    }
  });

  it('changes when an object is missing', () => {
    assert.notEqual(observedDigest([deployment()]), base);
  });
});

describe('a settled release', () => {
  const inventory = ['apps/v1/Deployment/tenant-acme/acme', 'v1/Service/tenant-acme/acme'];
  const contextWith = (app: Record<string, unknown>, live: KubeObject[]): StepContext =>
    ({
      tenant: { metadata: { name: 'acme', uid: 'uid-1' }, status: { app } },
      owned: {
        live: (wanted: KubeObject) => Promise.resolve(live.find((o) => o.kind === wanted.kind && o.metadata.name === wanted.metadata.name)),
      },
    }) as unknown as StepContext;
  const recorded = { inventory, inputsDigest: 'sha256:inputs', observedDigest: observedDigest([deployment(), service()]) };

  it('is the live objects when the inputs and every object are as the status recorded', async () => {
    const live = await settledRelease(contextWith(recorded, [deployment(), service()]), 'sha256:inputs');
    assert.deepEqual(
      live?.objects.map((o) => o.kind),
      ['Deployment', 'Service'],
    );
  });

  it('needs a render when the inputs changed, an object changed or is gone, or nothing was recorded', async () => {
    const edited = deployment();
    edited.spec = { replicas: 5 };
    const cases: [string, StepContext, string][] = [
      ['inputs changed', contextWith(recorded, [deployment(), service()]), 'sha256:other'],
      ['an object edited', contextWith(recorded, [edited, service()]), 'sha256:inputs'],
      ['an object deleted', contextWith(recorded, [deployment()]), 'sha256:inputs'],
      ['no observed digest', contextWith({ ...recorded, observedDigest: undefined }, [deployment(), service()]), 'sha256:inputs'],
    ];
    for (const [what, context, digest] of cases) assert.equal(await settledRelease(context, digest), undefined, what);
  });
});
