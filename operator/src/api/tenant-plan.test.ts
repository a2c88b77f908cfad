/** The TenantPlan zod schema's defaults and limits, and the chart values a plan lets tenants set. */
import assert from 'node:assert/strict';
import {
  TenantPlanSchema,
  TenantPlanSpecSchema,
  disallowedValueKeys,
  tenantPlanRuleMessages,
  usesPooledDatabase,
  usesSharedRelease,
  type TenantPlanInput,
} from './tenant-plan.js';
import { TenantSpecSchema } from './tenant.js';

const spec: TenantPlanInput['spec'] = {
  quota: { cpu: 8, memory: '16Gi', storage: '100Gi', pods: 50, services: 10, persistentVolumeClaims: 10, configMaps: 50, secrets: 50 },
  limits: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: 2, memory: '4Gi' },
  },
  app: { version: '1.4.2', allowedValueKeys: ['featureFlags'] },
};

describe('TenantPlan', () => {
  it('fills in the same defaults as the CRD', () => {
    const parsed = TenantPlanSpecSchema.parse(spec);
    assert.deepEqual(parsed.database, { connectionLimit: 20 });
    assert.deepEqual(parsed.rollout, { ring: 9 });
    assert.equal(parsed.app.chart, 'tenant-app');
  });

  it('accepts quantities written as integers or Kubernetes quantity strings', () => {
    for (const cpu of [4, '4', '500m', '1.5', '2e3']) {
      assert.ok(TenantPlanSpecSchema.safeParse({ ...spec, quota: { ...spec.quota, cpu } }).success, String(cpu));
    }
  });

  it('refuses quantities that are not Kubernetes quantities', () => {
    for (const memory of ['16 GiB', '16gi', 'lots', 1.5]) {
      assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, quota: { ...spec.quota, memory } }).success, false, String(memory));
    }
  });

  it('refuses rings outside 0 to 9 and connection limits outside 1 to 1000', () => {
    assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, rollout: { ring: 10 } }).success, false);
    assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, database: { connectionLimit: 0 } }).success, false);
  });

  it('refuses a plan name a Tenant could not name', () => {
    const result = TenantPlanSchema.safeParse({
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'TenantPlan',
      metadata: { name: 'p'.repeat(64) },
      spec,
    });
    assert.deepEqual(
      result.error?.issues.map((issue) => issue.message),
      [tenantPlanRuleMessages.nameLength],
    );
  });

  describe('isolation', () => {
    it('is Dedicated for every resource when the plan says nothing, so existing plans keep the silo', () => {
      const parsed = TenantPlanSpecSchema.parse(spec);
      assert.deepEqual(parsed.isolation, { database: 'Dedicated', key: 'Dedicated', release: 'Dedicated' });
      assert.equal(usesPooledDatabase({ spec: parsed }), false);
    });

    it('accepts a Shared database and reads it as the pooled tier', () => {
      const parsed = TenantPlanSpecSchema.parse({ ...spec, isolation: { database: 'Shared' } });
      assert.equal(usesPooledDatabase({ spec: parsed }), true);
    });

    it('accepts a Shared key, with or without a Shared database (decision 0049)', () => {
      for (const isolation of [{ key: 'Shared' as const }, { database: 'Shared' as const, key: 'Shared' as const }]) {
        assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, isolation }).success, true, JSON.stringify(isolation));
      }
    });

    it('refuses a Shared release without a Shared database, naming spec.isolation and the rule', () => {
      const cases = [
        [{ release: 'Shared' as const }, tenantPlanRuleMessages.sharedReleaseNeedsSharedDatabase],
        [{ key: 'Shared' as const, release: 'Shared' as const }, tenantPlanRuleMessages.sharedReleaseNeedsSharedDatabase],
      ] as const;
      for (const [isolation, message] of cases) {
        const result = TenantPlanSpecSchema.safeParse({ ...spec, isolation });
        assert.deepEqual(
          result.error?.issues.map((issue) => [issue.path.join('.'), issue.message]),
          [['isolation', message]],
          JSON.stringify(isolation),
        );
      }
    });

    it('accepts a Shared release over a Shared database and reads it as the shared release', () => {
      const parsed = TenantPlanSpecSchema.parse({ ...spec, isolation: { database: 'Shared', release: 'Shared' } });
      assert.equal(usesSharedRelease({ spec: parsed }), true);
      assert.equal(usesSharedRelease({ spec: TenantPlanSpecSchema.parse(spec) }), false);
    });

    it('admits backups on a plan whose database or key is Shared (docs/decisions/0055)', () => {
      const backup = { intervalMinutes: 1440, keepLast: 7 };
      for (const isolation of [{ database: 'Shared' }, { key: 'Shared' }, { database: 'Shared', key: 'Shared' }, {}]) {
        assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, backup, isolation }).success, true, JSON.stringify(isolation));
      }
    });

    it('refuses a mode other than Dedicated and Shared', () => {
      assert.equal(TenantPlanSpecSchema.safeParse({ ...spec, isolation: { database: 'Pooled' } }).success, false);
    });
  });

  describe('disallowedValueKeys', () => {
    const plan = TenantPlanSpecSchema.parse(spec);
    const tenantSpec = {
      displayName: 'Acme',
      plan: 'standard',
      region: 'eu-central-1',
      owners: [{ kind: 'Group' as const, name: 'acme' }],
    };

    it('lists the top-level values a tenant sets that its plan does not allow', () => {
      const tenant = TenantSpecSchema.parse({ ...tenantSpec, app: { values: { featureFlags: {}, image: 'evil' } } });
      assert.deepEqual(disallowedValueKeys(plan, tenant), ['image']);
    });

    it('finds nothing when the tenant sets no values', () => {
      assert.deepEqual(disallowedValueKeys(plan, TenantSpecSchema.parse(tenantSpec)), []);
    });
  });
});
