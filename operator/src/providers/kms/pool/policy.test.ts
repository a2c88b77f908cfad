import assert from 'node:assert/strict';
import { administrationStatement, buildKeyPolicy } from '../key-policy.js';
import { tenantGrantName, tenantGrantNamePrefix } from './names.js';
import { buildPoolKeyPolicy, reWrapStatementSid, withReWrapStatement } from './policy.js';

interface Statement {
  Sid: string;
  Principal: { AWS: string };
  Action: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

const operator = 'arn:aws:iam::123456789012:role/bulkhead-operator';
const root = 'arn:aws:iam::123456789012:root';

function statements(policy: string): Statement[] {
  return (JSON.parse(policy) as { Statement: Statement[] }).Statement;
}

describe('the pool key policy', function () {
  const policy = statements(buildPoolKeyPolicy({ region: 'eu-central-1', operatorPrincipal: operator }, root));

  it('lets nobody Decrypt: tenants are admitted by grants, and the operator only wraps', function () {
    const actions = policy.flatMap((statement) => [statement.Action].flat());
    assert.ok(!actions.some((action) => action === 'kms:Decrypt' || action === 'kms:*' || action.startsWith('kms:GenerateDataKey*')));
    assert.ok(!actions.includes('kms:GenerateDataKey'), 'GenerateDataKey would hand the operator the plaintext');
  });

  it('lets the operator create only Decrypt grants constrained by an exact encryption context', function () {
    const grant = policy.find((statement) => statement.Action === 'kms:CreateGrant');
    assert.equal(grant?.Principal.AWS, operator);
    assert.deepEqual(grant?.Condition, {
      StringEquals: { 'kms:GrantConstraintType': 'EncryptionContextEquals' },
      'ForAllValues:StringEquals': { 'kms:GrantOperations': ['Decrypt'] },
    });
  });

  it("opens with the very administration statement a tenant key's policy opens with", function () {
    const tenantKey = statements(
      buildKeyPolicy({ tenant: 'acme', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme' }, root),
    );
    assert.deepEqual(policy[0], tenantKey[0]);
    assert.deepEqual(policy[0], administrationStatement(root));
    assert.equal(policy[0]?.Principal.AWS, root);
  });

  it('is the same size for any number of tenants (no statement names one)', function () {
    const text = buildPoolKeyPolicy({ region: 'eu-central-1', operatorPrincipal: operator }, root);
    assert.ok(!text.includes('bulkhead-tenant'));
    assert.ok(text.length < 32 * 1024);
  });

  it("adds the re-wrap statement to a tenant key's policy for its context alone, and keeps the rest", function () {
    const base = buildKeyPolicy({ tenant: 'acme', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme' }, root);
    const widened = statements(withReWrapStatement(base, 'acme', operator));
    assert.deepEqual(widened.slice(0, -1), statements(base));
    const added = widened.at(-1);
    assert.equal(added?.Sid, reWrapStatementSid);
    assert.equal(added?.Action, 'kms:ReEncryptTo');
    assert.deepEqual(added?.Condition, {
      StringEquals: { 'kms:EncryptionContext:tenant': 'acme' },
      'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': ['tenant'] },
    });
  });

  it("names grants so that one tenant's prefix never matches another's", function () {
    assert.ok(!tenantGrantName('acme-corp', 'uid').startsWith(tenantGrantNamePrefix('acme')));
    assert.ok(tenantGrantName('acme', 'uid').startsWith(tenantGrantNamePrefix('acme')));
  });
});
