import assert from 'node:assert/strict';
import { TenantSchema, type Tenant } from '../api/index.js';
import { tenantSummary } from './summary.js';
import { TenantSummarySchema } from './schemas.js';

function tenant(status?: unknown, generation = 2): Tenant {
  return TenantSchema.parse({
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', generation, creationTimestamp: '2030-01-01T00:00:00Z' },
    spec: { displayName: 'Acme', plan: 'standard', region: 'eu-central-1', owners: [{ kind: 'Group', name: 'acme-admins' }] },
    status,
  });
}

const condition = (type: string, status: string, reason: string, message = '') => ({
  type,
  status,
  reason,
  message,
  observedGeneration: 2,
  lastTransitionTime: '2030-01-01T00:00:00Z',
});

describe('the tenant summary', function () {
  it('says Pending before the operator reports', function () {
    const summary = tenantSummary(tenant(), '/v1/tenants');
    assert.equal(summary.ready, false);
    assert.equal(summary.state, 'Provisioning');
    assert.equal(summary.reason, 'Pending');
    assert.equal(summary.links.self, '/v1/tenants/acme');
    TenantSummarySchema.parse(summary);
  });

  it('names the pending step and the Ready reason', function () {
    const summary = tenantSummary(
      tenant({
        conditions: [
          condition('NamespaceReady', 'True', 'Reconciled'),
          condition('DatabaseReady', 'False', 'DatabaseUnavailable', 'connection refused'),
          condition('Ready', 'False', 'DatabaseUnavailable', 'DatabaseReady: connection refused'),
        ],
      }),
      '/v1/tenants',
    );
    assert.equal(summary.pendingStep, 'DatabaseReady');
    assert.equal(summary.reason, 'DatabaseUnavailable');
    assert.equal(summary.state, 'Failing');
  });

  it('does not call a stale Ready condition ready', function () {
    const summary = tenantSummary(tenant({ conditions: [condition('Ready', 'True', 'Reconciled')] }, 3), '/v1/tenants');
    assert.equal(summary.ready, false);
    assert.equal(summary.reason, 'Pending');
    assert.equal(tenantSummary(tenant({ conditions: [condition('Ready', 'True', 'Reconciled')] }), '/v1/tenants').state, 'Ready');
  });

  it('says whether a suspension is in force and since when, and nothing for a tenant never suspended', function () {
    assert.equal(tenantSummary(tenant(), '/v1/tenants').suspension, null);
    const suspended = tenantSummary(
      tenant({
        conditions: [condition('Suspended', 'True', 'Suspending', 'not in force yet: EncryptionKeyReady (KeyProviderUnavailable)')],
      }),
      '/v1/tenants',
    );
    assert.deepEqual(suspended.suspension, {
      suspended: true,
      reason: 'Suspending',
      since: '2030-01-01T00:00:00Z',
      message: 'not in force yet: EncryptionKeyReady (KeyProviderUnavailable)',
    });
    TenantSummarySchema.parse(suspended);
    const resumed = tenantSummary(tenant({ conditions: [condition('Suspended', 'False', 'Resumed')] }), '/v1/tenants');
    assert.equal(resumed.suspension?.suspended, false);
    assert.equal(resumed.suspension?.reason, 'Resumed');
  });
});
