import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadApiConfig } from '../cli/api.js';
import { ApiServerConfigSchema } from './server.js';

const trail = { auditTrail: { disabled: true } };

describe('the API’s metrics setting', function () {
  it('serves metrics by default on 127.0.0.1:8082, a port of their own', function () {
    assert.deepEqual(ApiServerConfigSchema.parse(trail).metrics, { enabled: true, host: '127.0.0.1', port: 8082 });
  });

  it('refuses a port out of range and unknown fields, naming them', function () {
    const result = ApiServerConfigSchema.safeParse({ ...trail, metrics: { port: 70000, path: '/m' } });
    assert.ok(!result.success);
    const paths = result.error.issues.map((issue) => issue.path.join('.'));
    assert.ok(paths.includes('metrics.port') && paths.includes('metrics'), paths.join());
  });

  it("takes the port from BULKHEAD_API_METRICS_PORT, keeping the rest of the file's setting", function () {
    const file = join(mkdtempSync(join(tmpdir(), 'api-config-')), 'config.yaml');
    writeFileSync(file, 'metrics: { host: 0.0.0.0, port: 9000 }\nauditTrail: { disabled: true }\n');
    const config = loadApiConfig({ BULKHEAD_API_CONFIG: file, BULKHEAD_API_METRICS_PORT: '0' });
    assert.deepEqual(config.metrics, { enabled: true, host: '0.0.0.0', port: 0 });
    assert.equal(loadApiConfig({ BULKHEAD_API_CONFIG: file }).metrics.port, 9000);
  });
});
