/**
 * charts/bulkhead/crds holds copies of crds/*.yaml (Helm installs CRDs only from the chart's own
 * folder); this fails the run when the two drift apart. Fix: cp crds/*.yaml charts/bulkhead/crds/
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../support/cluster.js';

const yamlFiles = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort();

describe('the chart’s CRDs', function () {
  it('are byte-for-byte the files in crds/', function () {
    const source = join(repoRoot, 'crds');
    const chart = join(repoRoot, 'charts/bulkhead/crds');
    assert.deepEqual(yamlFiles(chart), yamlFiles(source), 'the same files: cp crds/*.yaml charts/bulkhead/crds/');
    for (const file of yamlFiles(source)) {
      assert.equal(
        readFileSync(join(chart, file), 'utf8'),
        readFileSync(join(source, file), 'utf8'),
        `charts/bulkhead/crds/${file} differs from crds/${file}: cp crds/*.yaml charts/bulkhead/crds/`,
      );
    }
  });
});
