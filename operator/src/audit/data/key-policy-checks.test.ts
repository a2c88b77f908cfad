import assert from 'node:assert/strict';
import { buildKeyPolicy } from '../../providers/kms/index.js';
import { judgeKeyPolicy, policyEnforcementNote } from './key-policy-checks.js';

const principal = 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme';
const root = 'arn:aws:iam::123456789012:root';
const operatorPolicy = () => JSON.parse(buildKeyPolicy({ tenant: 'acme', principal }, root)) as { Statement: Record<string, unknown>[] };

describe('the key policy check', () => {
  it('passes the policy the operator writes, and says enforcement is asserted on the document', () => {
    const check = judgeKeyPolicy('acme', { tenant: principal }, buildKeyPolicy({ tenant: 'acme', principal }, root));
    assert.equal(check.result, 'pass', check.message);
    assert.equal((check.evidence as { enforcement: string }).enforcement, policyEnforcementNote);
  });

  it('finds the context condition dropped or naming another tenant', () => {
    const policy = operatorPolicy();
    delete policy.Statement[1]!.Condition;
    assert.equal(judgeKeyPolicy('acme', { tenant: principal }, JSON.stringify(policy)).reason, 'EncryptionContextNotRequired');
    assert.equal(
      judgeKeyPolicy(
        'globex',
        { tenant: 'arn:aws:iam::123456789012:role/bulkhead-tenant-globex' },
        buildKeyPolicy({ tenant: 'globex', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-globex' }, root),
      ).result,
      'pass',
    );
    assert.equal(
      judgeKeyPolicy(
        'acme',
        { tenant: principal },
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
      assert.equal(judgeKeyPolicy('acme', { tenant: principal }, JSON.stringify(policy)).reason, 'KeyPolicyGrantsOthers', action);
    }
    const notAction = operatorPolicy();
    notAction.Statement[0] = { Effect: 'Allow', Principal: { AWS: root }, NotAction: 'kms:ScheduleKeyDeletion', Resource: '*' };
    assert.equal(judgeKeyPolicy('acme', { tenant: principal }, JSON.stringify(notAction)).reason, 'KeyPolicyGrantsOthers');
  });

  it('finds a policy with no statement for the tenant, and one that is not JSON', () => {
    const policy = operatorPolicy();
    policy.Statement.pop();
    assert.equal(judgeKeyPolicy('acme', { tenant: principal }, JSON.stringify(policy)).reason, 'KeyPolicyMissingTenantPrincipal');
    assert.equal(judgeKeyPolicy('acme', { tenant: principal }, 'not json').reason, 'KeyPolicyUnreadable');
  });

  describe('with backups on (decision 0045)', () => {
    const backup = 'arn:aws:iam::123456789012:role/bulkhead-operator';
    const who = { tenant: principal, backup };
    const withBackups = () =>
      JSON.parse(buildKeyPolicy({ tenant: 'acme', principal, backupPrincipal: backup }, root)) as { Statement: Record<string, unknown>[] };

    it("passes the policy the operator writes, the operator's statement limited to sealing and opening backups", () => {
      const check = judgeKeyPolicy('acme', who, JSON.stringify(withBackups()));
      assert.equal(check.result, 'pass', check.message);
      assert.match(check.message, /bulkhead-operator only to seal and open backups \(purpose=backup\)/);
    });

    it("finds the operator's statement grown: another action, a pattern, or a context condition dropped", () => {
      const grown: [string, (statement: Record<string, unknown>) => void][] = [
        ['Encrypt added', (s) => (s.Action as string[]).push('kms:Encrypt')],
        ['a pattern', (s) => (s.Action = ['kms:GenerateDataKey*', 'kms:Decrypt'])],
        [
          'purpose dropped',
          (s) => delete (s.Condition as { StringEquals: Record<string, string> }).StringEquals['kms:EncryptionContext:purpose'],
        ],
        [
          'tenant dropped',
          (s) => delete (s.Condition as { StringEquals: Record<string, string> }).StringEquals['kms:EncryptionContext:tenant'],
        ],
        [
          'another purpose',
          (s) => ((s.Condition as { StringEquals: Record<string, string> }).StringEquals['kms:EncryptionContext:purpose'] = 'app'),
        ],
        ['NotAction', (s) => ((s.NotAction = 'kms:ScheduleKeyDeletion'), delete s.Action)],
      ];
      for (const [what, change] of grown) {
        const policy = withBackups();
        change(policy.Statement[2]!);
        assert.equal(judgeKeyPolicy('acme', who, JSON.stringify(policy)).reason, 'KeyPolicyOperatorUseTooBroad', what);
      }
    });

    it("finds the operator's statement when backups are off, and the operator named beside the tenant in its statement", () => {
      assert.equal(judgeKeyPolicy('acme', { tenant: principal }, JSON.stringify(withBackups())).reason, 'KeyPolicyGrantsOthers');
      const shared = withBackups();
      shared.Statement[1]!.Principal = { AWS: [principal, backup] };
      assert.equal(judgeKeyPolicy('acme', who, JSON.stringify(shared)).reason, 'KeyPolicyOperatorUseTooBroad');
    });
  });
});
