/** The record of a tenant's shared release in its status, as the steps read it (docs/decisions/0054). */
import assert from 'node:assert/strict';
import type { Tenant } from '../../api/tenant.js';
import { dedicatedRecord, recordedSharedReleases, sharedRecord } from './pool-membership.js';

const tenant = (release?: Record<string, unknown>): Tenant =>
  ({ metadata: { name: 'acme' }, spec: { region: 'eu-central-1' }, status: release ? { release } : {} }) as unknown as Tenant;

describe('the shared release recorded in a tenant’s status', () => {
  it('names the one release that may hold the tenant, and none once it has left', () => {
    assert.deepEqual(recordedSharedReleases(tenant(sharedRecord('tenant-app-1-4-2'))), ['tenant-app-1-4-2']);
    assert.deepEqual(recordedSharedReleases(tenant(sharedRecord(undefined))), [], 'suspended: shared tier, in no release');
    assert.deepEqual(recordedSharedReleases(tenant(dedicatedRecord)), [], 'a release of its own: nothing to look at');
  });

  it('is unknown without a record (a status from before it, or lost): only a look at the pool can tell', () => {
    assert.equal(recordedSharedReleases(tenant()), undefined);
    assert.equal(recordedSharedReleases({ metadata: { name: 'acme' }, spec: {} } as unknown as Tenant), undefined);
  });
});
