/**
 * Crash safety of the KMS provider against moto: the operator is killed (SIGKILL) right after each
 * KMS call that changes something, and the next call converges on exactly one live key tagged
 * with the tenant's UID, behind the tenant's alias. CreateKey is not idempotent, so this is what
 * keeps a crash from leaving a second key.
 */
import assert from 'node:assert/strict';
import type { KMSClient } from '@aws-sdk/client-kms';
import { createLogger } from '../../src/runtime/logging.js';
import { AwsKmsProvider, kmsCrashPoints } from '../../src/providers/kms/index.js';
import { crashDuring } from './support/crash.js';
import { aliasTarget, keysTaggedWith, kmsClient, kmsEndpoint, tenantKeySpec } from './support/kms.js';
import { soleActorFence } from './support/fence.js';

describe('the AWS KMS provider after a crash', function () {
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

  for (const crashAt of [kmsCrashPoints.afterCreateKey, kmsCrashPoints.afterCreateAlias]) {
    it(`converges on one key behind the alias when creation dies at ${crashAt}`, async function () {
      const spec = tenantKeySpec(`crash-${crashAt.replace(/\W/g, '-')}`);
      await crashDuring({ provider: 'kms', operation: 'ensureKey', endpoint: kmsEndpoint(), spec }, crashAt);
      const orphans = await keysTaggedWith(kms, spec.tenantUid);
      assert.equal(orphans.length, 1, 'the crashed call created its key');
      const key = await provider.ensureKey(spec);
      assert.equal(key.created, false, 'the key the crashed call created is adopted, not duplicated');
      assert.deepEqual(await keysTaggedWith(kms, spec.tenantUid), [{ keyId: key.keyId, state: 'Enabled' }]);
      assert.equal(await aliasTarget(kms, spec.alias), key.keyId);
      assert.equal((await provider.describe(spec))?.rotation, true);
    });
  }

  it(`converges on the new tenant's one key when moving the alias dies at ${kmsCrashPoints.afterCreateKey}`, async function () {
    const former = tenantKeySpec('crash-namesake');
    const formerKey = await provider.ensureKey(former);
    const successor = { ...former, tenantUid: `${former.tenantUid}-successor` };
    await crashDuring({ provider: 'kms', operation: 'ensureKey', endpoint: kmsEndpoint(), spec: successor }, kmsCrashPoints.afterCreateKey);
    assert.equal(await aliasTarget(kms, former.alias), formerKey.keyId, 'the crash came before the alias moved');
    const key = await provider.ensureKey(successor);
    assert.deepEqual(await keysTaggedWith(kms, successor.tenantUid), [{ keyId: key.keyId, state: 'Enabled' }]);
    assert.equal(await aliasTarget(kms, former.alias), key.keyId);
    assert.deepEqual(await keysTaggedWith(kms, former.tenantUid), [{ keyId: formerKey.keyId, state: 'Enabled' }]);
  });

  it(`converges when moving the alias dies at ${kmsCrashPoints.afterUpdateAlias}`, async function () {
    const former = tenantKeySpec('crash-moved');
    await provider.ensureKey(former);
    const successor = { ...former, tenantUid: `${former.tenantUid}-successor` };
    await crashDuring(
      { provider: 'kms', operation: 'ensureKey', endpoint: kmsEndpoint(), spec: successor },
      kmsCrashPoints.afterUpdateAlias,
    );
    const key = await provider.ensureKey(successor);
    assert.equal(key.created, false);
    assert.deepEqual(await keysTaggedWith(kms, successor.tenantUid), [{ keyId: key.keyId, state: 'Enabled' }]);
    assert.equal(await aliasTarget(kms, successor.alias), key.keyId);
  });

  it(`frees the alias and reports the same date when deletion dies at ${kmsCrashPoints.afterScheduleDeletion}`, async function () {
    const spec = tenantKeySpec('crash-shred');
    const key = await provider.ensureKey(spec);
    await crashDuring(
      { provider: 'kms', operation: 'scheduleDeletion', endpoint: kmsEndpoint(), spec },
      kmsCrashPoints.afterScheduleDeletion,
    );
    assert.equal(await aliasTarget(kms, spec.alias), key.keyId, 'the crash came before the alias was deleted');
    const deletion = await provider.scheduleDeletion(spec, 7, soleActorFence);
    assert.equal(deletion?.keyId, key.keyId);
    assert.equal(await aliasTarget(kms, spec.alias), undefined);
    assert.deepEqual(await keysTaggedWith(kms, spec.tenantUid), [{ keyId: key.keyId, state: 'PendingDeletion' }]);
    assert.deepEqual(await provider.scheduleDeletion(spec, 7, soleActorFence), deletion);
  });
});
