/** The tiers sales ops see, and the plan changes the API refuses because they would move a tenant into the pool. */
import assert from 'node:assert/strict';
import type { Tenant } from '../api/index.js';
import type { TenantPlan } from '../api/tenant-plan.js';
import { demotionProblem, tenantTiers } from './tiers.js';

function tenant(database: Record<string, unknown> | undefined, encryption?: Record<string, unknown>): Tenant {
  const status = database || encryption ? { ...(database ? { database } : {}), ...(encryption ? { encryption } : {}) } : undefined;
  return { metadata: { name: 'acme' }, spec: { region: 'eu-central-1' }, status } as unknown as Tenant;
}

const plan = (name: string, database: 'Dedicated' | 'Shared', key: 'Dedicated' | 'Shared' = 'Dedicated') =>
  ({ metadata: { name }, spec: { isolation: { database, key } } }) as unknown as TenantPlan;

const rules = (problem: ReturnType<typeof demotionProblem>) => (problem?.init.errors ?? []).map((error) => [error.field, error.rule]);

describe('tiers in the onboarding API', () => {
  it('reports the database tier the operator last reported, and a promotion under way with its step', () => {
    assert.deepEqual(tenantTiers(tenant(undefined)), {
      database: null,
      key: 'Dedicated',
      release: null,
      promotion: null,
      keyPromotion: null,
    });
    assert.equal(tenantTiers(tenant({ name: 'bulkhead_pool', schema: 'tenant_acme' })).database, 'Shared');
    assert.equal(tenantTiers(tenant({ name: 'tenant_acme' })).database, 'Dedicated');
    const promoting = tenantTiers(
      tenant({ name: 'bulkhead_pool', schema: 'tenant_acme', promotion: { step: 'Copying', writesStoppedAt: '2026-12-07T02:00:00Z' } }),
    );
    assert.deepEqual(promoting, {
      database: 'Shared',
      key: 'Dedicated',
      release: null,
      promotion: { step: 'Copying', startedAt: null, writesStoppedAt: '2026-12-07T02:00:00Z' },
      keyPromotion: null,
    });
  });

  it('reports the key Shared when the operator reported its region’s pool key, and Dedicated for a key of its own', () => {
    assert.equal(tenantTiers(tenant(undefined, { alias: 'alias/bulkhead/pool/eu-central-1' })).key, 'Shared');
    assert.equal(tenantTiers(tenant(undefined, { alias: 'alias/bulkhead/tenant/acme' })).key, 'Dedicated');
    assert.equal(
      tenantTiers(tenant(undefined, { alias: 'alias/bulkhead/pool/us-east-1' })).key,
      'Dedicated',
      'another region’s pool key is no tenant’s',
    );
  });

  it('reports the release tier the operator last recorded, null before it did', () => {
    const withRelease = (release: Record<string, unknown>) =>
      ({ metadata: { name: 'acme' }, spec: { region: 'eu-central-1' }, status: { release } }) as unknown as Tenant;
    assert.equal(tenantTiers(withRelease({ tier: 'Shared', sharedRelease: 'tenant-app-1-4-2' })).release, 'Shared');
    assert.equal(tenantTiers(withRelease({ tier: 'Shared' })).release, 'Shared', 'suspended, out of its shared release: still its tier');
    assert.equal(tenantTiers(withRelease({ tier: 'Dedicated' })).release, 'Dedicated');
  });

  it('lets a pooled tenant upgrade to a plan with a database of its own, and any tenant change between plans of its tier', () => {
    assert.equal(demotionProblem(tenant({ name: 'bulkhead_pool', schema: 'tenant_acme' }), plan('standard', 'Dedicated')), undefined);
    assert.equal(demotionProblem(tenant({ name: 'bulkhead_pool', schema: 'tenant_acme' }), plan('pooled-plus', 'Shared')), undefined);
    assert.equal(demotionProblem(tenant({ name: 'tenant_acme' }), plan('enterprise', 'Dedicated')), undefined);
    assert.equal(demotionProblem(tenant(undefined), plan('pooled', 'Shared')), undefined);
  });

  it('refuses with 422 naming plan a move of a tenant with a database of its own into the pool', () => {
    const problem = demotionProblem(tenant({ name: 'tenant_acme' }), plan('pooled', 'Shared'));
    assert.equal(problem?.init.status, 422);
    assert.deepEqual(
      (problem?.init.errors ?? []).map((error) => [error.field, error.rule]),
      [['plan', 'noDemotion']],
    );
    assert.match(
      problem?.init.errors?.[0]?.message ?? '',
      /plan pooled has isolation\.database Shared, but tenant acme has database tenant_acme of its own/,
    );
  });

  it('refuses turning a promotion back into the pool, naming plan and the step', () => {
    const problem = demotionProblem(
      tenant({ name: 'bulkhead_pool', schema: 'tenant_acme', promotion: { step: 'Verifying' } }),
      plan('pooled', 'Shared'),
    );
    assert.deepEqual(
      (problem?.init.errors ?? []).map((error) => [error.field, error.rule]),
      [['plan', 'noTierChangeDuringPromotion']],
    );
    assert.match(problem?.init.errors?.[0]?.message ?? '', /step Verifying/);
  });

  it('shows a key promotion under way with its step, the key Shared until it is done', () => {
    const promoting = tenantTiers(
      tenant(undefined, {
        alias: 'alias/bulkhead/pool/eu-central-1',
        promotion: { step: 'ReWrapping', startedAt: '2026-12-07T05:00:00Z' },
      }),
    );
    assert.equal(promoting.key, 'Shared');
    assert.deepEqual(promoting.keyPromotion, { step: 'ReWrapping', startedAt: '2026-12-07T05:00:00Z' });
    assert.equal(tenantTiers(tenant(undefined, { alias: 'alias/bulkhead/acme' })).keyPromotion, null);
  });

  it('lets a pool-key tenant upgrade to a plan whose key is Dedicated, and keep a Shared key', () => {
    const pooled = tenant({ name: 'tenant_acme' }, { alias: 'alias/bulkhead/pool/eu-central-1' });
    assert.equal(demotionProblem(pooled, plan('standard', 'Dedicated', 'Dedicated')), undefined);
    assert.equal(demotionProblem(pooled, plan('pooled-key', 'Dedicated', 'Shared')), undefined);
  });

  it('refuses with 422 naming plan and noKeyDemotion a move of a tenant with a key of its own onto the pool key', () => {
    const problem = demotionProblem(
      tenant({ name: 'tenant_acme' }, { alias: 'alias/bulkhead/acme' }),
      plan('pooled-key', 'Dedicated', 'Shared'),
    );
    assert.equal(problem?.init.status, 422);
    assert.deepEqual(rules(problem), [['plan', 'noKeyDemotion']]);
    assert.match(
      problem?.init.errors?.[0]?.message ?? '',
      /plan pooled-key has isolation\.key Shared, but tenant acme has key alias\/bulkhead\/acme of its own/,
    );
  });

  it('refuses turning a key promotion back, and names both resources when a plan would demote both', () => {
    const promoting = tenant(undefined, { alias: 'alias/bulkhead/pool/eu-central-1', promotion: { step: 'RevokingPoolGrant' } });
    const turnedBack = demotionProblem(promoting, plan('pooled-key', 'Dedicated', 'Shared'));
    assert.deepEqual(rules(turnedBack), [['plan', 'noTierChangeDuringPromotion']]);
    assert.match(turnedBack?.init.errors?.[0]?.message ?? '', /key of its own \(step RevokingPoolGrant\)/);
    const both = demotionProblem(tenant({ name: 'tenant_acme' }, { alias: 'alias/bulkhead/acme' }), plan('pooled', 'Shared', 'Shared'));
    assert.deepEqual(rules(both), [
      ['plan', 'noDemotion'],
      ['plan', 'noKeyDemotion'],
    ]);
  });
});
