import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import { ConditionType, Reason, type Condition } from '../../api/conditions.js';
import type { Tenant } from '../../api/tenant.js';
import { countConditions, createTenantMetrics, stepResult } from './metrics.js';

const condition = (type: string, status: Condition['status']): Condition => ({
  type,
  status,
  reason: status === 'True' ? 'Reconciled' : 'Progressing',
  message: '',
  lastTransitionTime: '2026-12-06T12:00:00Z',
});
const tenant = (name: string, conditions?: Condition[]): Tenant =>
  ({ metadata: { name }, ...(conditions ? { status: { conditions } } : {}) }) as Tenant;

const fleet = [
  tenant('acme', [condition('Ready', 'True'), condition('DatabaseReady', 'True')]),
  tenant('globex', [condition('Ready', 'False'), condition('DatabaseReady', 'False')]),
  tenant('initech'),
];

describe('the tenants counted by condition', () => {
  it('counts every tenant once per condition type, a missing condition as Unknown', () => {
    const counts = countConditions(fleet);
    assert.deepEqual(Object.fromEntries(counts.get('Ready') ?? []), { True: 1, False: 1, Unknown: 1 });
    assert.deepEqual(Object.fromEntries(counts.get('IsolationVerified') ?? []), { True: 0, False: 0, Unknown: 3 });
    assert.deepEqual([...counts.keys()].sort(), Object.values(ConditionType).sort());
  });

  it('counts a tenant never suspended as not Suspended', () => {
    const counts = countConditions([...fleet, tenant('umbrella', [condition('Suspended', 'True')])]);
    assert.deepEqual(Object.fromEntries(counts.get('Suspended') ?? []), { True: 1, False: 3, Unknown: 0 });
  });
});

describe('the tenant controller’s metrics', () => {
  it('serves tenants by condition and status, read from the cache at each scrape, with no tenant label', async () => {
    const registry = new Registry();
    const cache = [...fleet];
    createTenantMetrics(registry, () => cache);
    const first = await registry.metrics();
    assert.match(first, /^bulkhead_tenants\{condition="Ready",status="True"\} 1$/m);
    assert.match(first, /^bulkhead_tenants\{condition="AppDeployed",status="False"\} 0$/m, 'a series is 0, never absent');
    cache.push(tenant('umbrella', [condition('Ready', 'True')]));
    assert.match(await registry.metrics(), /^bulkhead_tenants\{condition="Ready",status="True"\} 2$/m);
    assert.doesNotMatch(first, /acme|globex|initech/);
  });

  it('times each step by step and result', async () => {
    const registry = new Registry();
    const steps = createTenantMetrics(registry, () => []);
    steps.observeStep(ConditionType.EncryptionKeyReady, 'error', 0.3);
    steps.observeStep(ConditionType.EncryptionKeyReady, 'success', 0.02);
    const text = await registry.metrics();
    assert.match(text, /^bulkhead_tenant_step_duration_seconds_count\{step="EncryptionKeyReady",result="error"\} 1$/m);
    assert.match(text, /^bulkhead_tenant_step_duration_seconds_bucket\{le="0.025",step="EncryptionKeyReady",result="success"\} 1$/m);
    assert.match(text, /^bulkhead_tenant_step_duration_seconds_sum\{step="EncryptionKeyReady",result="error"\} 0.3$/m);
  });

  it('calls a True step a success, a Progressing one progressing, and any other an error', () => {
    assert.equal(stepResult({ status: 'True', reason: Reason.Suspended }), 'success');
    assert.equal(stepResult({ status: 'False', reason: Reason.Progressing }), 'progressing');
    assert.equal(stepResult({ status: 'False', reason: Reason.KeyProviderThrottled }), 'error');
    assert.equal(stepResult({ status: 'Unknown', reason: Reason.ApplyFailed }), 'error');
  });
});
