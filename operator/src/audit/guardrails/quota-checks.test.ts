import assert from 'node:assert/strict';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { buildLimitRange, buildResourceQuota } from '../../resources/quota.js';
import { judgeLimitRange, judgeQuota, type LimitRangeObject, type QuotaFacts, type QuotaObject } from './quota-checks.js';
import { judgeDefaultServiceAccount } from './service-account-checks.js';

const tenant = { name: 'acme', uid: 'u1' };
const plan = {
  apiVersion: 'bulkhead.dev/v1alpha1',
  kind: 'TenantPlan',
  metadata: { name: 'standard' },
  spec: {
    quota: { cpu: 8, memory: '16Gi', storage: '100Gi', pods: 50, services: 10, persistentVolumeClaims: 10, configMaps: 50, secrets: 50 },
    limits: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: 2, memory: '4Gi' } },
    database: { connectionLimit: 20 },
    app: { chart: 'tenant-app', version: '1.4.2' },
    rollout: { ring: 9 },
  },
} as unknown as TenantPlan;

const liveQuota = (): QuotaObject => structuredClone(buildResourceQuota(tenant, 'tenant-acme', plan.spec.quota));
const liveLimits = (): LimitRangeObject => structuredClone(buildLimitRange(tenant, 'tenant-acme', plan.spec.limits));
const facts = (quota?: QuotaObject, limitRange?: LimitRangeObject): QuotaFacts => ({
  tenant,
  namespace: 'tenant-acme',
  plan,
  planName: 'standard',
  quota: quota ?? liveQuota(),
  limitRange: limitRange ?? liveLimits(),
});

describe('the quota guardrail checks', () => {
  it("pass what the operator builds from the plan, with quantities in the server's canonical form", () => {
    const quota = liveQuota();
    quota.spec!.hard!['limits.memory'] = '17179869184';
    quota.spec!.hard!['requests.cpu'] = '8000m';
    assert.equal(judgeQuota(facts(quota)).result, 'pass');
    assert.equal(judgeLimitRange(facts()).result, 'pass');
  });

  it('find a missing quota and limit range', () => {
    assert.equal(judgeQuota({ ...facts(), quota: undefined }).reason, 'QuotaMissing');
    assert.equal(judgeLimitRange({ ...facts(), limitRange: undefined }).reason, 'LimitRangeMissing');
  });

  it('find a quota that differs from the plan, naming the key and both values', () => {
    const quota = liveQuota();
    quota.spec!.hard!.pods = '500';
    const check = judgeQuota(facts(quota));
    assert.equal(check.reason, 'QuotaDiffersFromPlan');
    assert.match(check.message, /pods: 500 \(plan: 50\)/);
  });

  it('single out NodePort and LoadBalancer Services allowed', () => {
    const quota = liveQuota();
    quota.spec!.hard!['services.nodeports'] = '5';
    assert.equal(judgeQuota(facts(quota)).reason, 'QuotaAllowsExternalServices');
    delete quota.spec!.hard!['services.nodeports'];
    quota.spec!.hard!['services.nodeports'] = '0';
    delete quota.spec!.hard!['services.loadbalancers'];
    assert.equal(judgeQuota(facts(quota)).reason, 'QuotaAllowsExternalServices');
  });

  it('call a scoped quota different from the plan: it leaves other pods unlimited', () => {
    const quota = liveQuota();
    quota.spec!.scopes = ['BestEffort'];
    assert.equal(judgeQuota(facts(quota)).reason, 'QuotaDiffersFromPlan');
  });

  it('is an error, not a pass, when the plan does not exist', () => {
    const check = judgeQuota({ ...facts(), plan: undefined });
    assert.equal(check.result, 'error');
    assert.equal(check.reason, 'PlanNotFound');
  });

  it('find a raised container maximum', () => {
    const limits = liveLimits();
    (limits.spec!.limits![0] as { max: Record<string, string> }).max.cpu = '64';
    const check = judgeLimitRange(facts(liveQuota(), limits));
    assert.equal(check.reason, 'LimitRangeDiffersFromPlan');
    assert.match(check.message, /max\.cpu: 64 \(plan: 2\)/);
  });
});

describe('the default ServiceAccount check', () => {
  const account = (automount?: boolean) => ({
    metadata: { name: 'default', namespace: 'tenant-acme' },
    ...(automount === undefined ? {} : { automountServiceAccountToken: automount }),
  });

  it('passes only when automount is explicitly false', () => {
    assert.equal(judgeDefaultServiceAccount('acme', 'tenant-acme', account(false)).result, 'pass');
    assert.equal(judgeDefaultServiceAccount('acme', 'tenant-acme', account(true)).reason, 'DefaultServiceAccountAutomountsToken');
    assert.equal(judgeDefaultServiceAccount('acme', 'tenant-acme', account()).reason, 'DefaultServiceAccountAutomountsToken');
    assert.equal(judgeDefaultServiceAccount('acme', 'tenant-acme', undefined).reason, 'DefaultServiceAccountMissing');
  });
});
