/**
 * The product chart repository the program can install as a ConfigMap (bulkhead:chartRepository):
 * which files it takes, and how the operator gets to mount it. Pure: no resources, no mocks.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { packagedCharts } from '../src/chart-repository.js';
import { loadStackConfig } from '../src/config.js';
import { projectDir } from '../src/paths.js';
import { chartValues } from '../src/values.js';

function load(settings: Record<string, unknown>) {
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(settings))
    config[`bulkhead:${key}`] = typeof value === 'string' ? value : JSON.stringify(value);
  pulumi.runtime.setAllConfig(config, ['bulkhead:regions', 'bulkhead:apiAuditTrailUrl']);
  return loadStackConfig(new pulumi.Config('bulkhead'));
}

const valid = {
  kubeconfig: '../.bulkhead/kubeconfig',
  regions: { 'eu-central-1': { database: { host: '10.0.0.5', username: 'postgres', password: 'pw' }, kms: { accountId: '111122223333' } } },
  apiAuditTrailUrl: 'postgres://trail:pw@10.0.0.9:5432/audit',
};

type OperatorValues = { operator: { chartRepositoryVolume?: unknown } };

describe('the product chart repository', () => {
  it('takes every packaged chart of the folder, by file name, and nothing else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bulkhead-charts-'));
    writeFileSync(join(dir, 'tenant-app-1.5.0.tgz'), 'b');
    writeFileSync(join(dir, 'tenant-app-1.4.2.tgz'), 'a');
    writeFileSync(join(dir, 'index.yaml'), 'apiVersion: v1');
    assert.deepEqual(packagedCharts(dir), {
      'tenant-app-1.4.2.tgz': Buffer.from('a').toString('base64'),
      'tenant-app-1.5.0.tgz': Buffer.from('b').toString('base64'),
    });
  });

  it('refuses a folder without a packaged chart, naming the key', () => {
    assert.throws(
      () => packagedCharts(mkdtempSync(join(tmpdir(), 'bulkhead-charts-'))),
      /bulkhead:chartRepository: .* holds no packaged chart/,
    );
  });

  it("is mounted as the operator's chart repository instead of the chart's emptyDir, only when configured", () => {
    const config = load({ ...valid, chartRepository: 'product-charts' });
    assert.equal(config.chartRepository, join(projectDir, 'product-charts'));
    assert.deepEqual((chartValues(config) as OperatorValues).operator.chartRepositoryVolume, {
      configMap: { name: 'bulkhead-product-charts' },
    });
    assert.equal((chartValues(load(valid)) as OperatorValues).operator.chartRepositoryVolume, undefined);
  });
});
