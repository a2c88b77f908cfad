/** The Tenant zod schema's mirrors of the CRD's CEL rules, and its defaults. */
import assert from 'node:assert/strict';
import {
  TenantSchema,
  TenantSpecSchema,
  isReservedTenantName,
  tenantNameProblems,
  tenantRuleMessages,
  tenantSpecUpdateProblems,
  type TenantInput,
} from './tenant.js';

function tenant(overrides: { name?: string; spec?: Partial<TenantInput['spec']> } = {}): TenantInput {
  return {
    apiVersion: 'bulkhead.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: overrides.name ?? 'acme' },
    spec: {
      displayName: 'Acme Corp',
      plan: 'enterprise',
      region: 'eu-central-1',
      owners: [{ kind: 'Group', name: 'acme-admins' }],
      ...overrides.spec,
    },
  };
}

function messages(input: TenantInput): string[] {
  const result = TenantSchema.safeParse(input);
  return result.success ? [] : result.error.issues.map((issue) => issue.message);
}

describe('Tenant', () => {
  it('fills in the same defaults as the CRD', () => {
    const spec = TenantSchema.parse(tenant()).spec;
    assert.deepEqual(spec.database, { deletionPolicy: 'Retain' });
    assert.deepEqual(spec.encryption, { keyRotation: true });
    assert.equal(spec.suspended, false);
  });

  it('keeps what the manifest sets over the defaults', () => {
    const spec = TenantSpecSchema.parse({ ...tenant().spec, database: { deletionPolicy: 'Delete' }, encryption: { keyRotation: false } });
    assert.equal(spec.database.deletionPolicy, 'Delete');
    assert.equal(spec.encryption.keyRotation, false);
  });

  it('refuses unknown fields, as kubectl apply does with strict field validation', () => {
    assert.equal(TenantSpecSchema.safeParse({ ...tenant().spec, replicas: 3 }).success, false);
  });

  describe('names', () => {
    it('accepts a 40-character name starting with a letter', () => {
      assert.deepEqual(tenantNameProblems(`a${'b'.repeat(39)}`), []);
    });

    it('refuses a 41-character name', () => {
      assert.deepEqual(tenantNameProblems(`a${'b'.repeat(40)}`), [tenantRuleMessages.nameLength]);
    });

    it('refuses names that are not DNS-1123 labels starting with a letter', () => {
      for (const name of ['9lives', 'acme.corp', 'Acme', 'acme-', '-acme', 'acme_corp', '']) {
        assert.deepEqual(tenantNameProblems(name), [tenantRuleMessages.nameFormat], name);
      }
    });

    it('refuses the names the platform reserves, naming the name', () => {
      for (const name of ['default', 'system', 'system-a', 'kube-public', 'openshift-a', 'bulkhead', 'bulkheads']) {
        assert.ok(isReservedTenantName(name), name);
        assert.deepEqual(tenantNameProblems(name), [
          `metadata.name "${name}" is reserved (default, system, system-*, kube-*, openshift-* and bulkhead* belong to the platform)`,
        ]);
      }
    });

    it('accepts names that only look like reserved ones', () => {
      for (const name of ['systemic', 'kubernetes-fans', 'defaults', 'openshifty', 'acme-bulkhead']) {
        assert.deepEqual(tenantNameProblems(name), [], name);
      }
    });

    it('reports a bad name at metadata.name', () => {
      const result = TenantSchema.safeParse(tenant({ name: 'kube-acme' }));
      assert.deepEqual(
        result.error?.issues.map((issue) => issue.path),
        [['metadata', 'name']],
      );
    });
  });

  describe('owners', () => {
    it('refuses a tenant owned by system:authenticated', () => {
      assert.deepEqual(messages(tenant({ spec: { owners: [{ kind: 'Group', name: 'system:authenticated' }] } })), [
        tenantRuleMessages.systemOwner,
      ]);
    });

    it('refuses a system: user as well as a system: group', () => {
      assert.deepEqual(messages(tenant({ spec: { owners: [{ kind: 'User', name: 'system:admin' }] } })), [tenantRuleMessages.systemOwner]);
    });

    it('refuses the same subject listed twice, but not the same name as a user and a group', () => {
      const twice = [
        { kind: 'Group', name: 'acme-admins' },
        { kind: 'Group', name: 'acme-admins' },
      ] as const;
      assert.equal(messages(tenant({ spec: { owners: [...twice] } })).length, 1);
      const userAndGroup = [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'alice' },
      ] as const;
      assert.deepEqual(messages(tenant({ spec: { owners: [...userAndGroup] } })), []);
    });

    it('refuses a tenant without owners and one with more than 20', () => {
      assert.equal(messages(tenant({ spec: { owners: [] } })).length, 1);
      const many = Array.from({ length: 21 }, (_, index) => ({ kind: 'User' as const, name: `user-${index}` }));
      assert.equal(messages(tenant({ spec: { owners: many } })).length, 1);
    });
  });

  describe('egress CIDRs', () => {
    it('accepts IPv4 and IPv6 networks', () => {
      const allowEgressCIDRs = ['203.0.113.0/24', '2001:db8::/32', '198.51.100.7/32', '0.0.0.0/0'];
      assert.deepEqual(messages(tenant({ spec: { network: { allowEgressCIDRs } } })), []);
    });

    it('refuses an address without a prefix length', () => {
      assert.deepEqual(messages(tenant({ spec: { network: { allowEgressCIDRs: ['203.0.113.7'] } } })), [tenantRuleMessages.notCidr]);
    });

    it('refuses a CIDR with bits set after the prefix, which would open the whole network', () => {
      assert.deepEqual(messages(tenant({ spec: { network: { allowEgressCIDRs: ['10.20.30.40/8'] } } })), [tenantRuleMessages.cidrHostBits]);
    });

    it('refuses a CIDR listed twice', () => {
      const allowEgressCIDRs = ['203.0.113.0/24', '203.0.113.0/24'];
      assert.equal(messages(tenant({ spec: { network: { allowEgressCIDRs } } })).length, 1);
    });
  });

  describe('updates', () => {
    it('refuses moving a tenant to another region', () => {
      const before = TenantSpecSchema.parse(tenant().spec);
      const after = TenantSpecSchema.parse({ ...tenant().spec, region: 'us-east-1' });
      assert.deepEqual(tenantSpecUpdateProblems(before, after), [tenantRuleMessages.regionImmutable]);
    });

    it('allows every other change', () => {
      const before = TenantSpecSchema.parse(tenant().spec);
      const after = TenantSpecSchema.parse({ ...tenant().spec, displayName: 'Acme', suspended: true });
      assert.deepEqual(tenantSpecUpdateProblems(before, after), []);
    });
  });

  it('refuses regions that are not written like eu-central-1', () => {
    for (const region of ['eu_central_1', 'EU-central-1', 'eu-central', 'europe']) {
      assert.equal(messages(tenant({ spec: { region } })).length, 1, region);
    }
  });

  it('refuses an app version that is not SemVer', () => {
    for (const version of ['latest', 'v1.2.3', '1.2', '01.2.3']) {
      assert.equal(messages(tenant({ spec: { app: { version } } })).length, 1, version);
    }
    assert.deepEqual(messages(tenant({ spec: { app: { version: '1.5.0-rc.1+build.7' } } })), []);
  });
});
