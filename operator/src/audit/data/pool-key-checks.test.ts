import assert from 'node:assert/strict';
import { tenantGrantName, type PoolGrant } from '../../providers/kms/pool/index.js';
import {
  grantReaches,
  indexPoolGrants,
  judgePoolContextProbe,
  judgePoolGrants,
  judgePoolPolicy,
  type PoolKeyFacts,
} from './pool-key-checks.js';

const alpha = { name: 'alpha', uid: 'uid-a', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-alpha' };
const beta = { name: 'beta', uid: 'uid-b', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-beta' };

function grantOf(tenant: typeof alpha, overrides: Partial<PoolGrant> = {}): PoolGrant {
  return {
    grantId: `g-${tenant.name}`,
    name: tenantGrantName(tenant.name, tenant.uid),
    granteePrincipal: tenant.principal,
    operations: ['Decrypt'],
    contextEquals: { tenant: tenant.name },
    ...overrides,
  };
}

function factsFor(grants: PoolGrant[], tenant = alpha): PoolKeyFacts {
  return { tenant, region: 'eu-central-1', poolKeyId: 'pool', grants };
}

describe('the pool key checks', function () {
  describe('key.pool-grants', function () {
    it('passes when the tenant has its own grant and no other grant reaches its context', function () {
      assert.equal(judgePoolGrants(factsFor([grantOf(alpha), grantOf(beta)])).result, 'pass');
    });

    it('fails PoolGrantMissing without the grant, and PoolKeyMissing without a pool key', function () {
      assert.equal(judgePoolGrants(factsFor([grantOf(beta)])).reason, 'PoolGrantMissing');
      assert.equal(judgePoolGrants({ ...factsFor([]), poolKeyId: undefined }).reason, 'PoolKeyMissing');
    });

    it("fails PoolGrantAdmitsOthers when another principal is granted the tenant's context", function () {
      const stray = grantOf(beta, { grantId: 'x', name: 'x', contextEquals: { tenant: 'alpha' } });
      const judged = judgePoolGrants(factsFor([grantOf(alpha), grantOf(beta), stray]));
      assert.equal(judged.reason, 'PoolGrantAdmitsOthers');
      assert.match(judged.message, /bulkhead-tenant-beta/);
    });

    it("fails PoolGrantOtherContext when the tenant's principal holds a grant under another tenant's context", function () {
      const stray = grantOf(alpha, { grantId: 'x', name: 'x', contextEquals: { tenant: 'beta' } });
      assert.equal(judgePoolGrants(factsFor([grantOf(alpha), grantOf(beta), stray])).reason, 'PoolGrantOtherContext');
    });

    it('fails PoolGrantUnconstrained for a grant without a constraint, or with a subset one that covers the context', function () {
      const bare: PoolGrant = { grantId: 'x', name: 'x', granteePrincipal: 'arn:aws:iam::1:role/x', operations: ['Decrypt'] };
      assert.equal(judgePoolGrants(factsFor([grantOf(alpha), bare])).reason, 'PoolGrantUnconstrained');
      const subset = { ...bare, contextSubset: {} };
      assert.equal(judgePoolGrants(factsFor([grantOf(alpha), subset])).reason, 'PoolGrantUnconstrained');
    });

    // No index outlives the call that made it: grants changed between two calls are judged as they
    // are then (decision 0063); the region's index judges the grants as they were listed.
    it('judges the grants of each call, though the caller changed the list in between', function () {
      const grants = [grantOf(alpha), grantOf(beta)];
      const listed = indexPoolGrants(grants);
      assert.equal(judgePoolGrants(factsFor(grants)).result, 'pass');
      grants.push(grantOf(beta, { grantId: 'x', name: 'x', contextEquals: { tenant: 'alpha' } }));
      assert.equal(judgePoolGrants(factsFor(grants)).reason, 'PoolGrantAdmitsOthers');
      assert.equal(judgePoolGrants({ ...factsFor([]), grants: listed }).result, 'pass');
    });

    it('does not count as its own a grant of the right name that allows more than Decrypt, or is for a former UID', function () {
      const broad = grantOf(alpha, { operations: ['Decrypt', 'Encrypt'] });
      assert.equal(judgePoolGrants(factsFor([broad])).result, 'fail');
      const namesake = grantOf(alpha, { name: tenantGrantName('alpha', 'former-uid') });
      assert.equal(judgePoolGrants(factsFor([namesake])).result, 'fail');
    });
  });

  it('grantReaches: an Equals constraint reaches its context alone; a Subset one every context containing it', function () {
    const base: PoolGrant = { grantId: 'g', name: 'g', granteePrincipal: 'p', operations: ['Decrypt'] };
    assert.equal(grantReaches({ ...base, contextEquals: { tenant: 'a' } }, { tenant: 'a' }), true);
    assert.equal(grantReaches({ ...base, contextEquals: { tenant: 'a' } }, { tenant: 'b' }), false);
    assert.equal(grantReaches({ ...base, contextSubset: { tenant: 'b' } }, { tenant: 'a' }), false);
    assert.equal(grantReaches({ ...base, contextSubset: { tenant: 'a' } }, { tenant: 'a' }), true);
    assert.equal(grantReaches(base, { tenant: 'a' }), true);
  });

  it('key.pool-policy passes on the same document, however formatted, and fails on an added statement', function () {
    const desired = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow' }] });
    const facts = { tenant: 'alpha', region: 'r', poolKeyId: 'pool', desired };
    assert.equal(judgePoolPolicy({ ...facts, actual: JSON.stringify(JSON.parse(desired), null, 2) }).result, 'pass');
    const added = JSON.stringify({ Version: '2012-10-17', Statement: [{ Sid: 'A', Effect: 'Allow' }, { Sid: 'Everyone' }] });
    const judged = judgePoolPolicy({ ...facts, actual: added });
    assert.equal(judged.reason, 'PoolKeyPolicyChanged');
    assert.match(judged.message, /Everyone/);
    assert.equal(judgePoolPolicy({ ...facts, actual: 'not json' }).reason, 'PoolKeyPolicyChanged');
  });

  describe('key.pool-encryption-context', function () {
    const opened = { outcome: 'decrypted' as const };
    const refused = { outcome: 'refused' as const, error: 'InvalidCiphertextException' };

    it('passes when only its own context opens the data key', function () {
      assert.equal(
        judgePoolContextProbe('alpha', 'beta', { sameContext: opened, withoutContext: refused, otherContext: refused }).result,
        'pass',
      );
    });

    it("fails EncryptionContextNotRequired when another tenant's context, or none, opens it", function () {
      assert.equal(
        judgePoolContextProbe('alpha', 'beta', { sameContext: opened, withoutContext: refused, otherContext: opened }).reason,
        'EncryptionContextNotRequired',
      );
      assert.equal(
        judgePoolContextProbe('alpha', 'beta', { sameContext: opened, withoutContext: opened }).reason,
        'EncryptionContextNotRequired',
      );
    });

    it('is an error, not a pass, when its own context does not open it or there is no data key', function () {
      const judged = judgePoolContextProbe('alpha', 'beta', { sameContext: refused, withoutContext: refused, otherContext: refused });
      assert.equal(judged.result, 'error');
      assert.equal(judgePoolContextProbe('alpha', 'beta', undefined).reason, 'DataKeyMissing');
    });
  });
});
