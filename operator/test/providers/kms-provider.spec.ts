/**
 * The KMS provider through the real AWS KMS API, served by moto: each tenant gets its own tagged,
 * rotated, aliased key under a policy for its principal alone; ciphertext is bound to the tenant's
 * encryption context; a new tenant of the same name gets a new key; deletion schedules the key
 * and frees the alias. moto does not evaluate key policies, so the policy is checked as written.
 */
import assert from 'node:assert/strict';
import {
  CreateKeyCommand,
  DecryptCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListResourceTagsCommand,
  PutKeyPolicyCommand,
  ScheduleKeyDeletionCommand,
  UpdateAliasCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { createLogger } from '../../src/runtime/logging.js';
import {
  AwsKmsProvider,
  KeyProviderUnavailable,
  KeySpecInvalid,
  accountRootArn,
  buildKeyPolicy,
  type TenantKey,
  type TenantKeySpec,
} from '../../src/providers/kms/index.js';
import { aliasTarget, keysTaggedWith, kmsClient, kmsEndpoint, tenantKeySpec } from './support/kms.js';
import { soleActorFence } from './support/fence.js';

const day = 86_400_000;

describe('the AWS KMS provider', function () {
  let provider: AwsKmsProvider;
  let kms: KMSClient;

  before(function () {
    provider = new AwsKmsProvider(kmsEndpoint(), { logger: createLogger({ silent: true }) });
    kms = kmsClient();
  });

  after(function () {
    provider.close();
    kms.destroy();
  });

  describe("a suspended tenant's key", function () {
    const state = async (keyId: string) => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyState;
    const tags = async (keyId: string) =>
      ((await kms.send(new ListResourceTagsCommand({ KeyId: keyId }))).Tags ?? []).map((tag) => tag.TagKey).sort();

    it('is tagged and disabled, the same key, and is enabled and untagged again on resume', async function () {
      const spec = tenantKeySpec('suspend-key');
      const key = await provider.ensureKey(spec);
      const suspended = await provider.ensureKey({ ...spec, suspended: true });
      assert.equal(suspended.keyId, key.keyId, 'the same key, nothing deleted');
      assert.equal(suspended.state, 'Disabled');
      assert.equal(await state(key.keyId), 'Disabled');
      assert.ok((await tags(key.keyId)).includes('bulkhead.dev/suspended'));
      // AWS KMS refuses every cryptographic operation on a disabled key (DisabledException); moto
      // answers Encrypt on one all the same, so that refusal cannot be shown here, only the state.
      assert.equal((await provider.ensureKey({ ...spec, suspended: true })).state, 'Disabled', 'idempotent');

      const resumed = await provider.ensureKey(spec);
      assert.equal(resumed.state, 'Enabled');
      assert.deepEqual(await tags(key.keyId), ['bulkhead.dev/tenant', 'bulkhead.dev/tenant-uid']);
      assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }))).KeyRotationEnabled, true);
    });

    it('stays disabled through a resume when someone else disabled it', async function () {
      const spec = tenantKeySpec('disabled-by-others');
      const key = await provider.ensureKey(spec);
      await kms.send(new DisableKeyCommand({ KeyId: key.keyId }));
      await provider.ensureKey({ ...spec, suspended: true });
      assert.ok(!(await tags(key.keyId)).includes('bulkhead.dev/suspended'), 'not marked: the suspension did not disable it');
      assert.equal((await provider.ensureKey(spec)).state, 'Disabled');
      assert.equal(await state(key.keyId), 'Disabled');
    });
  });

  describe("a tenant's key", function () {
    let spec: TenantKeySpec;
    let key: TenantKey;

    before(async function () {
      spec = tenantKeySpec('key');
      key = await provider.ensureKey(spec);
    });

    it('is a new symmetric encryption key behind the alias alias/bulkhead/<tenant>', async function () {
      assert.equal(key.created, true);
      assert.equal(key.alias, `alias/bulkhead/${spec.tenant}`);
      assert.equal(await aliasTarget(kms, spec.alias), key.keyId);
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }));
      assert.equal(KeyMetadata?.KeySpec, 'SYMMETRIC_DEFAULT');
      assert.equal(KeyMetadata?.KeyUsage, 'ENCRYPT_DECRYPT');
      assert.equal(KeyMetadata?.Arn, key.arn);
    });

    it("is tagged with the tenant's name and UID", async function () {
      const { Tags } = await kms.send(new ListResourceTagsCommand({ KeyId: key.keyId }));
      assert.deepEqual(Object.fromEntries((Tags ?? []).map((tag) => [tag.TagKey, tag.TagValue])), {
        'bulkhead.dev/tenant': spec.tenant,
        'bulkhead.dev/tenant-uid': spec.tenantUid,
      });
    });

    it('has rotation on', async function () {
      assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }))).KeyRotationEnabled, true);
    });

    it("carries the policy for the account root and the tenant's principal", async function () {
      const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }));
      assert.deepEqual(JSON.parse(Policy ?? '{}'), JSON.parse(buildKeyPolicy(spec, accountRootArn('123456789012'))));
    });

    it('is the same key, with nothing changed, when ensured again', async function () {
      const again = await provider.ensureKey(spec);
      assert.deepEqual(again, { ...key, created: false });
      assert.equal((await keysTaggedWith(kms, spec.tenantUid)).length, 1);
    });

    it('is described with its state and rotation', async function () {
      assert.deepEqual(await provider.describe(spec), {
        keyId: key.keyId,
        arn: key.arn,
        alias: spec.alias,
        state: 'Enabled',
        rotation: true,
        deletionDate: undefined,
      });
    });

    it("encrypts under the tenant's encryption context and decrypts only under the same context", async function () {
      const context = { tenant: spec.tenant };
      const { CiphertextBlob } = await kms.send(
        new EncryptCommand({ KeyId: spec.alias, Plaintext: Buffer.from('card data'), EncryptionContext: context }),
      );
      const decrypted = await kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: context }));
      assert.equal(Buffer.from(decrypted.Plaintext ?? []).toString(), 'card data');
      assert.equal(decrypted.KeyId, key.arn);
      await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob })), { name: 'InvalidCiphertextException' });
      await assert.rejects(kms.send(new DecryptCommand({ CiphertextBlob, EncryptionContext: { tenant: 'someone-else' } })), {
        name: 'InvalidCiphertextException',
      });
    });

    it('generates data keys under the tenant context', async function () {
      const dataKey = await kms.send(
        new GenerateDataKeyCommand({ KeyId: spec.alias, KeySpec: 'AES_256', EncryptionContext: { tenant: spec.tenant } }),
      );
      assert.equal(dataKey.Plaintext?.length, 32);
    });
  });

  it('puts back rotation and the key policy when someone changed them', async function () {
    const spec = tenantKeySpec('key-drift');
    const key = await provider.ensureKey(spec);
    await kms.send(new DisableKeyRotationCommand({ KeyId: key.keyId }));
    const loose = JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: '*' }, Action: 'kms:*', Resource: '*' }],
    });
    await kms.send(new PutKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default', Policy: loose }));
    assert.deepEqual((await provider.ensureKey(spec)).repaired, ['key rotation', 'key policy']);
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }))).KeyRotationEnabled, true);
    const { Policy } = await kms.send(new GetKeyPolicyCommand({ KeyId: key.keyId, PolicyName: 'default' }));
    assert.deepEqual(JSON.parse(Policy ?? '{}'), JSON.parse(buildKeyPolicy(spec, accountRootArn('123456789012'))));
  });

  it('leaves rotation off when the tenant asks for no rotation', async function () {
    const spec = { ...tenantKeySpec('key-norotate'), rotation: false };
    const key = await provider.ensureKey(spec);
    assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.keyId }))).KeyRotationEnabled, false);
  });

  describe('a new tenant with the name of a deleted one', function () {
    it("gets a new key when the alias still points at the former tenant's key, and the old key is untouched", async function () {
      const former = tenantKeySpec('namesake');
      const formerKey = await provider.ensureKey(former);
      const successor = { ...former, tenantUid: `${former.tenantUid}-successor` };
      const key = await provider.ensureKey(successor);
      assert.equal(key.created, true);
      assert.notEqual(key.keyId, formerKey.keyId);
      assert.equal(await aliasTarget(kms, former.alias), key.keyId);
      assert.deepEqual(await keysTaggedWith(kms, former.tenantUid), [{ keyId: formerKey.keyId, state: 'Enabled' }]);
      assert.deepEqual(await keysTaggedWith(kms, successor.tenantUid), [{ keyId: key.keyId, state: 'Enabled' }]);
      assert.equal(await provider.describe(former), undefined);
    });

    it('gets a new key after the former tenant was deleted and its alias freed', async function () {
      const former = tenantKeySpec('namesake-deleted');
      const formerKey = await provider.ensureKey(former);
      await provider.scheduleDeletion(former, 7, soleActorFence);
      const successor = { ...former, tenantUid: `${former.tenantUid}-successor` };
      const key = await provider.ensureKey(successor);
      assert.notEqual(key.keyId, formerKey.keyId);
      assert.equal(await aliasTarget(kms, former.alias), key.keyId);
    });
  });

  it("takes the alias back when someone pointed it at another key, keeping the tenant's key", async function () {
    const spec = tenantKeySpec('alias-drift');
    const key = await provider.ensureKey(spec);
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ Description: 'made by hand' }));
    await kms.send(new UpdateAliasCommand({ AliasName: spec.alias, TargetKeyId: KeyMetadata?.KeyId }));
    const again = await provider.ensureKey(spec);
    assert.deepEqual(
      { keyId: again.keyId, created: again.created, repaired: again.repaired },
      { keyId: key.keyId, created: false, repaired: ['alias'] },
    );
    assert.equal(await aliasTarget(kms, spec.alias), key.keyId);
  });

  it("replaces the tenant's key when someone scheduled it for deletion behind Bulkhead's back", async function () {
    const spec = tenantKeySpec('pending');
    const doomed = await provider.ensureKey(spec);
    await kms.send(new ScheduleKeyDeletionCommand({ KeyId: doomed.keyId, PendingWindowInDays: 7 }));
    const key = await provider.ensureKey(spec);
    assert.equal(key.created, true);
    assert.notEqual(key.keyId, doomed.keyId);
    assert.equal(await aliasTarget(kms, spec.alias), key.keyId);
  });

  describe('scheduling deletion', function () {
    let spec: TenantKeySpec;
    let key: TenantKey;
    let firstDate: Date;

    before(async function () {
      spec = tenantKeySpec('shred');
      key = await provider.ensureKey(spec);
      const deletion = await provider.scheduleDeletion(spec, 7, soleActorFence);
      assert.equal(deletion?.keyId, key.keyId);
      firstDate = deletion?.deletionDate ?? new Date(0);
    });

    it('reports a deletion date the pending window away', function () {
      const days = (firstDate.getTime() - Date.now()) / day;
      assert.ok(days > 6.9 && days <= 7, `${days} days`);
    });

    it('puts the key in PendingDeletion', async function () {
      const { KeyMetadata } = await kms.send(new DescribeKeyCommand({ KeyId: key.keyId }));
      assert.equal(KeyMetadata?.KeyState, 'PendingDeletion');
    });

    it('frees the alias for a future tenant of the same name', async function () {
      assert.equal(await aliasTarget(kms, spec.alias), undefined);
    });

    it('reports the same date when called again', async function () {
      assert.deepEqual(await provider.scheduleDeletion(spec, 30, soleActorFence), { keyId: key.keyId, deletionDate: firstDate });
    });

    it('schedules every key tagged with the tenant, such as a second one a retried CreateKey left behind', async function () {
      const other = tenantKeySpec('shred-stray');
      const key = await provider.ensureKey(other);
      await kms.send(
        new CreateKeyCommand({
          Tags: [
            { TagKey: 'bulkhead.dev/tenant', TagValue: other.tenant },
            { TagKey: 'bulkhead.dev/tenant-uid', TagValue: other.tenantUid },
          ],
        }),
      );
      assert.equal((await provider.scheduleDeletion(other, 7, soleActorFence))?.keyId, key.keyId);
      assert.deepEqual(
        (await keysTaggedWith(kms, other.tenantUid)).map((tagged) => tagged.state),
        ['PendingDeletion', 'PendingDeletion'],
      );
    });

    it('reports nothing for a tenant that never had a key', async function () {
      assert.equal(await provider.scheduleDeletion(tenantKeySpec('never'), 7, soleActorFence), undefined);
    });

    it('accepts windows of 7 to 30 days only, which moto itself does not check', async function () {
      const other = tenantKeySpec('shred-window');
      await provider.ensureKey(other);
      await assert.rejects(provider.scheduleDeletion(other, 6, soleActorFence), KeySpecInvalid);
      await assert.rejects(provider.scheduleDeletion(other, 31, soleActorFence), KeySpecInvalid);
      const deletion = await provider.scheduleDeletion(other, 30, soleActorFence);
      const days = ((deletion?.deletionDate.getTime() ?? 0) - Date.now()) / day;
      assert.ok(days > 29.9 && days <= 30, `${days} days`);
    });
  });

  it('reports an unreachable KMS as KeyProviderUnavailable', async function () {
    const unreachable = new AwsKmsProvider(
      { ...kmsEndpoint(), endpoint: 'http://127.0.0.1:1' },
      { logger: createLogger({ silent: true }), maxAttempts: 1 },
    );
    try {
      await assert.rejects(unreachable.ensureKey(tenantKeySpec('down')), (error: Error) => {
        assert.ok(error instanceof KeyProviderUnavailable);
        assert.equal(error.reason, 'KeyProviderUnavailable');
        assert.match(error.message, /describing the key behind alias\/bulkhead\/down-\w+: KMS is unavailable: .*ECONNREFUSED/);
        return true;
      });
    } finally {
      unreachable.close();
    }
  });
});
