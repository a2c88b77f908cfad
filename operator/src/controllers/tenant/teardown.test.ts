import assert from 'node:assert/strict';
import type { Tenant } from '../../api/tenant.js';
import { dataDisposition } from './teardown.js';

describe('the data of a deleted tenant', function () {
  const tenant = (annotations?: Record<string, string>): Tenant =>
    ({ metadata: { name: 'acme', ...(annotations ? { annotations } : {}) }, spec: { region: 'eu-central-1' } }) as unknown as Tenant;

  it('is torn down by policy when its region is configured', function () {
    assert.equal(dataDisposition(tenant(), true), 'tearDown');
  });

  it('waits for its region when the region is not configured, rather than being skipped', function () {
    assert.equal(dataDisposition(tenant(), false), 'waitForRegion');
    assert.equal(dataDisposition(tenant({ 'bulkhead.dev/orphan-data': 'false' }), false), 'waitForRegion');
  });

  it('is left untouched, and the Tenant released, when the orphan-data annotation says "true"', function () {
    assert.equal(dataDisposition(tenant({ 'bulkhead.dev/orphan-data': 'true' }), false), 'orphan');
    assert.equal(dataDisposition(tenant({ 'bulkhead.dev/orphan-data': 'true' }), true), 'orphan');
  });
});
