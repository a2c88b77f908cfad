/** Finding a plan's chart version in a chart repository on disk. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { locateChart } from './chart-repository.js';
import { ChartNotFound } from './errors.js';

describe('chart repository', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'bulkhead-charts-'));
    for (const file of ['tenant-app-1.0.0.tgz', 'tenant-app-1.1.0.tgz', 'tenant-app-extra-2.0.0.tgz']) {
      await writeFile(join(dir, file), '');
    }
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds <chart>-<version>.tgz', async () => {
    assert.equal(await locateChart(dir, 'tenant-app', '1.1.0'), join(dir, 'tenant-app-1.1.0.tgz'));
  });

  it('names the chart, the version and the versions it has when one is missing', async () => {
    await assert.rejects(locateChart(dir, 'tenant-app', '9.9.9'), (error: unknown) => {
      assert.ok(error instanceof ChartNotFound);
      assert.equal(error.reason, 'ChartNotFound');
      assert.equal(error.chart, 'tenant-app');
      assert.equal(error.version, '9.9.9');
      assert.equal(error.message, `chart tenant-app version 9.9.9 not found: ${dir} holds versions 1.0.0, 1.1.0`);
      return true;
    });
  });

  it('says when it holds no version of the chart at all', async () => {
    await assert.rejects(locateChart(dir, 'billing', '1.0.0'), /chart billing version 1\.0\.0 not found: .* holds no version of it/);
  });

  it('says when the repository directory does not exist', async () => {
    await assert.rejects(locateChart(join(dir, 'missing'), 'tenant-app', '1.0.0'), ChartNotFound);
  });

  it('refuses a chart name that would leave the directory', async () => {
    await assert.rejects(locateChart(join(dir, 'sub'), '../tenant-app', '1.0.0'), /"\.\.\/tenant-app" is not a valid chart name/);
  });

  it('refuses a version that is not SemVer', async () => {
    await assert.rejects(locateChart(dir, 'tenant-app', '1.0.0/../../x'), /is not a SemVer 2 version/);
  });
});
