import assert from 'node:assert/strict';
import { accountRootArn, buildKeyPolicy, partitionOf, samePolicy } from './key-policy.js';

interface Statement {
  Sid: string;
  Effect: string;
  Principal: { AWS: string };
  Action: string[];
  Resource: string;
  Condition?: Record<string, Record<string, string>>;
}

const spec = { tenant: 'acme', principal: 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme' };
const root = accountRootArn('123456789012');
const statements = (JSON.parse(buildKeyPolicy(spec, root)) as { Statement: Statement[] }).Statement;

describe('the tenant key policy', () => {
  it('has exactly two statements, both Allow', () => {
    assert.equal(statements.length, 2);
    assert.ok(statements.every((statement) => statement.Effect === 'Allow'));
  });

  it('lets the account root administer the key', () => {
    const admin = statements.find((statement) => statement.Principal.AWS === 'arn:aws:iam::123456789012:root');
    assert.ok(admin);
    for (const action of ['kms:PutKeyPolicy', 'kms:ScheduleKeyDeletion', 'kms:EnableKeyRotation', 'kms:DescribeKey', 'kms:TagResource']) {
      assert.ok(admin.Action.includes(action), action);
    }
  });

  it('gives the account root no use of the key and no way to grant it', () => {
    const admin = statements.find((statement) => statement.Principal.AWS === root);
    for (const action of admin?.Action ?? []) {
      assert.doesNotMatch(action, /^kms:(\*|Encrypt|Decrypt|ReEncrypt|GenerateDataKey|CreateGrant|Create\*)/, action);
    }
  });

  it('lets only the tenant principal encrypt, decrypt and generate data keys, under its own encryption context', () => {
    const users = statements.filter((statement) => statement.Action.some((action) => /Encrypt|Decrypt|GenerateDataKey/.test(action)));
    assert.equal(users.length, 1);
    assert.equal(users[0]?.Principal.AWS, spec.principal);
    assert.deepEqual(users[0]?.Action, ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*']);
    assert.deepEqual(users[0]?.Condition, { StringEquals: { 'kms:EncryptionContext:tenant': 'acme' } });
  });

  it('is compared by meaning, not formatting', () => {
    const policy = buildKeyPolicy(spec, root);
    assert.equal(samePolicy(JSON.stringify(JSON.parse(policy), null, 2), policy), true);
    assert.equal(samePolicy(buildKeyPolicy({ ...spec, tenant: 'other' }, root), policy), false);
    assert.equal(samePolicy('not json', policy), false);
    assert.equal(samePolicy(undefined, policy), false);
  });

  it('names the root of the partition the region is in', () => {
    assert.equal(accountRootArn('123456789012', partitionOf('cn-north-1')), 'arn:aws-cn:iam::123456789012:root');
    assert.equal(partitionOf('us-gov-west-1'), 'aws-us-gov');
    assert.equal(partitionOf('eu-central-1'), 'aws');
  });

  it("lets the operator's backup identity only generate and open data keys under the tenant's backup context", () => {
    const backupPrincipal = 'arn:aws:iam::123456789012:role/bulkhead-operator';
    const all = (JSON.parse(buildKeyPolicy({ ...spec, backupPrincipal }, root)) as { Statement: Statement[] }).Statement;
    assert.equal(all.length, 3);
    assert.deepEqual(all.slice(0, 2), statements, 'the first two statements are unchanged');
    assert.deepEqual(all[2], {
      Sid: 'OperatorSealsBackupsOnly',
      Effect: 'Allow',
      Principal: { AWS: backupPrincipal },
      Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:EncryptionContext:tenant': 'acme', 'kms:EncryptionContext:purpose': 'backup' } },
    });
  });
});
