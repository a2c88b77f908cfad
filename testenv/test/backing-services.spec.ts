/**
 * The backing services are real: PostgreSQL takes connections and DDL, the KMS emulator answers
 * every KMS operation Bulkhead relies on through the AWS SDK, and helm renders our charts.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateKeyCommand,
  DecryptCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  KMSClient,
  ListAliasesCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
} from '@aws-sdk/client-kms';
import { testEnvironment, type Environment } from '../src/index.js';
import { repoRoot } from '../src/paths.js';

describe('the backing services', function () {
  let env: Environment;

  before(function () {
    env = testEnvironment();
  });

  it('PostgreSQL accepts a connection and a CREATE DATABASE', async function () {
    const client = new pg.Client({ connectionString: env.postgres.url });
    await client.connect();
    try {
      await client.query('CREATE DATABASE "foundation_check"');
      const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname = $1', ['foundation_check']);
      assert.deepEqual(
        rows.map((r) => r.datname),
        ['foundation_check'],
      );
    } finally {
      await client.end();
    }
  });

  it('PostgreSQL refuses a wrong password', async function () {
    const url = new URL(env.postgres.url);
    url.password = 'not-the-password';
    const client = new pg.Client({ connectionString: url.toString() });
    await assert.rejects(client.connect(), /password authentication failed/);
  });

  it('the KMS emulator supports every KMS operation Bulkhead uses', async function () {
    const kms = new KMSClient({
      endpoint: env.kms.endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    const { KeyMetadata } = await kms.send(
      new CreateKeyCommand({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Description: 'foundation check',
        Tags: [{ TagKey: 'bulkhead.dev/tenant', TagValue: 'check' }],
      }),
    );
    const keyId = KeyMetadata?.KeyId ?? '';
    assert.ok(keyId);
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/bulkhead/check', TargetKeyId: keyId }));
    const aliases = await kms.send(new ListAliasesCommand({ KeyId: keyId }));
    assert.deepEqual(
      aliases.Aliases?.map((a) => a.AliasName),
      ['alias/bulkhead/check'],
    );
    await kms.send(new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: 'bulkhead.dev/tenant-uid', TagValue: 'u-1' }] }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: keyId }));
    assert.deepEqual(tags.Tags?.map((t) => t.TagKey).sort(), ['bulkhead.dev/tenant', 'bulkhead.dev/tenant-uid']);
    await kms.send(new EnableKeyRotationCommand({ KeyId: keyId }));
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled, true);
    const policy = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Sid: 'check', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111122223333:role/check' }, Action: 'kms:Decrypt', Resource: '*' },
      ],
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: policy }));
    assert.equal((await kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }))).Policy, policy);
    const context = { tenant: 'check' };
    const encrypted = await kms.send(new EncryptCommand({ KeyId: keyId, Plaintext: Buffer.from('secret'), EncryptionContext: context }));
    const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob: encrypted.CiphertextBlob, EncryptionContext: context }));
    assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), 'secret');
    const dataKey = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256' }));
    assert.equal(dataKey.Plaintext?.length, 32);
    const scheduled = await kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: 7 }));
    assert.ok(scheduled.DeletionDate instanceof Date);
    await kms.send(new CancelKeyDeletionCommand({ KeyId: keyId }));
  });

  it('helm renders the tenant-app chart', function () {
    const rendered = execFileSync(env.helm, ['template', 'check', join(repoRoot, 'charts/tenant-app'), '--set', 'tenant.name=check'], {
      encoding: 'utf8',
    });
    for (const kind of ['Deployment', 'Service', 'ServiceAccount', 'ConfigMap']) {
      assert.match(rendered, new RegExp(`^kind: ${kind}$`, 'm'), `no ${kind} rendered`);
    }
  });
});
