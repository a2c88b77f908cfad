/** The merge patch that moves a Tenant: annotations only, guarded by resourceVersion. */
import assert from 'node:assert/strict';
import { tenantPatchBody } from './tenant-patch.js';

describe('tenantPatchBody', () => {
  it('asks for the version, records the rollout and the version before, and carries the resourceVersion', () => {
    assert.deepEqual(
      tenantPatchBody({ tenant: 'acme', resourceVersion: '42', version: '2.0.0', movedBy: 'to-2', previousVersion: '1.0.0' }),
      {
        metadata: {
          resourceVersion: '42',
          annotations: {
            'bulkhead.dev/app-version': '2.0.0',
            'bulkhead.dev/rollout': 'to-2',
            'bulkhead.dev/previous-app-version': '1.0.0',
          },
        },
      },
    );
  });

  it('touches only the requested version on a rollback, and removes it with null to follow the plan again', () => {
    assert.deepEqual(tenantPatchBody({ tenant: 'acme', resourceVersion: '7', version: null }), {
      metadata: { resourceVersion: '7', annotations: { 'bulkhead.dev/app-version': null } },
    });
  });
});
