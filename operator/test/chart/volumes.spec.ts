/**
 * The operator's chart repository and snapshot volumes: the chart's default emptyDir gives way to
 * any other volume source set in values, whether the values null it (helm install -f) or cannot
 * (a Pulumi helm Release, whose engine drops nulls). Kubernetes refuses a volume with two sources.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { findBinaries } from '../../../testenv/src/binaries.js';
import { repoRoot } from '../support/cluster.js';

type Volume = Record<string, unknown> & { name: string };

/** The operator Deployment's `charts` and `snapshots` volumes, rendered with `values`. */
function volumes(values: Record<string, unknown>): Record<string, Volume | undefined> {
  const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-chart-')), 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  const rendered = execFileSync(
    findBinaries().helm,
    [
      'template',
      'bulkhead',
      join(repoRoot, 'charts/bulkhead'),
      '--namespace',
      'bulkhead-system',
      '--show-only',
      'templates/operator-deployment.yaml',
      '--values',
      file,
    ],
    { encoding: 'utf8' },
  );
  const deployment = parse(rendered) as { spec: { template: { spec: { volumes: Volume[] } } } };
  const byName = (name: string): Volume | undefined => deployment.spec.template.spec.volumes.find((volume) => volume.name === name);
  return { charts: byName('charts'), snapshots: byName('snapshots') };
}

describe("the operator chart's volumes", function () {
  it('are emptyDirs by default', function () {
    assert.deepEqual(volumes({}), { charts: { name: 'charts', emptyDir: {} }, snapshots: { name: 'snapshots', emptyDir: {} } });
  });

  it('take another source set in values instead of the default emptyDir, nulled or not', function () {
    const expected = {
      charts: { name: 'charts', configMap: { name: 'product-charts' } },
      snapshots: { name: 'snapshots', persistentVolumeClaim: { claimName: 'snapshots' } },
    };
    assert.deepEqual(
      volumes({
        operator: {
          chartRepositoryVolume: { configMap: { name: 'product-charts' } },
          snapshotVolume: { persistentVolumeClaim: { claimName: 'snapshots' } },
        },
      }),
      expected,
    );
    assert.deepEqual(
      volumes({
        operator: {
          chartRepositoryVolume: { emptyDir: null, configMap: { name: 'product-charts' } },
          snapshotVolume: { emptyDir: null, persistentVolumeClaim: { claimName: 'snapshots' } },
        },
      }),
      expected,
    );
  });

  it('keep an emptyDir that values configure', function () {
    assert.deepEqual(volumes({ operator: { snapshotVolume: { emptyDir: { sizeLimit: '1Gi' } } } }).snapshots, {
      name: 'snapshots',
      emptyDir: { sizeLimit: '1Gi' },
    });
  });
});
