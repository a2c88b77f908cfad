import assert from 'node:assert/strict';
import { buildKeyPolicy } from '../../providers/kms/index.js';
import { judgeKeyPolicy, policyEnforcementNote } from './key-policy-checks.js';

const principal = 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme';
const root = 'arn:aws:iam::123456789012:root';
const operatorPolicy = () => JSON.parse(buildKeyPolicy({ tenant: 'acme', principal }, root)) as { Statement: Record<string, unknown>[] };

describe('the key policy check', () => {
  it('passes the policy the operator writes, and says enforcement is asserted on the document', () => {
    const check = judgeKeyPolicy('acme', principal, buildKeyPolicy({ tenant: 'acme', principal }, root));
    assert.equal(check.result, 'pass', check.message);
    assert.equal((check.evidence as { enforcement: string }).enforcement, policyEnforcementNote);
  });

  it('finds the context condition dropped or naming another tenant', () => {
    const policy = operatorPolicy();
    delete policy.Statement[1]!.Condition;
    assert.equal(judgeKeyPolicy('acme', principal, JSON.stringify(policy)).reason, 'EncryptionContextNotRequired');
    assert.equal(
      judgeKeyPolicy(
        'globex',
        'arn:aws:iam::123456789012:role/bulkhead-tenant-globex',
        buildKeyPolicy({ tenant: 'globex', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-globex' }, root),
      ).result,
      'pass',
    );
    assert.equal(
      judgeKeyPolicy(
        'acme',
        principal,
        JSON.stringify({
          ...policy,
          Statement: [
            policy.Statement[0],
            {
              ...operatorPolicy().Statement[1],
              Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'globex' } },
            },
          ],
        }),
      ).reason,
      'EncryptionContextNotRequired',
    );
  });

  it('finds the account root (or anyone) allowed to use the key, whatever the wildcard', () => {
    for (const action of ['kms:*', 'kms:Decrypt', 'kms:Gen*', '*', 'KMS:decrypt', 'kms:CreateGrant']) {
      const policy = operatorPolicy();
      (policy.Statement[0]!.Action as string[]).push(action);
      assert.equal(judgeKeyPolicy('acme', principal, JSON.stringify(policy)).reason, 'KeyPolicyGrantsOthers', action);
    }
    const notAction = operatorPolicy();
    notAction.Statement[0] = { Effect: 'Allow', Principal: { AWS: root }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' };
    assert.equal(judgeKeyPolicy('acme', principal, JSON.stringify(notAction)).reason, 'KeyPolicyGrantsOthers');
  });

  it('finds a policy with no statement for the tenant, and one that is not JSON', () => {
    const policy = operatorPolicy();
    policy.Statement.pop();
    assert.equal(judgeKeyPolicy('acme', principal, JSON.stringify(policy)).reason, 'KeyPolicyMissingTenantPrincipal');
    assert.equal(judgeKeyPolicy('acme', principal, 'not json').reason, 'KeyPolicyUnreadable');
  });
});
