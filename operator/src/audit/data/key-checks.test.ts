import assert from 'node:assert/strict';
import {
  judgeAlias,
  judgeEncryptionContext,
  judgeExclusive,
  judgeKeyState,
  judgeRotation,
  judgeTags,
  type KeyFacts,
} from './key-checks.js';

const refused = { outcome: 'refused' as const, error: 'InvalidCiphertextException' };

function facts(name: string, keyId: string): KeyFacts {
  return {
    tenant: { name, uid: `u-${name}`, region: 'eu-central-1', rotationRequested: true },
    alias: `alias/bulkhead/${name}`,
    statusKeyId: keyId,
    configMapKeyId: keyId,
    aliasTarget: keyId,
    aliasesOnKey: [`alias/bulkhead/${name}`],
    key: { keyId, state: 'Enabled' },
    rotation: true,
    tags: { 'bulkhead.dev/tenant': name, 'bulkhead.dev/tenant-uid': `u-${name}` },
    probe: { sameContext: { outcome: 'decrypted' }, withoutContext: refused, otherContext: refused },
    otherContextTenant: 'other',
  };
}

describe('the key checks', () => {
  it('pass a key as the operator makes it', () => {
    const a = facts('a', 'k-a');
    for (const check of [
      judgeKeyState(a),
      judgeRotation(a),
      judgeTags(a),
      judgeAlias(a),
      judgeExclusive(a, [a, facts('b', 'k-b')]),
      judgeEncryptionContext(a),
    ]) {
      assert.equal(check.result, 'pass', `${check.id}: ${check.message}`);
    }
  });

  it('find a disabled key, one pending deletion, and none at all', () => {
    assert.equal(judgeKeyState({ ...facts('a', 'k'), key: { keyId: 'k', state: 'Disabled' } }).reason, 'KeyDisabled');
    assert.equal(judgeKeyState({ ...facts('a', 'k'), key: { keyId: 'k', state: 'PendingDeletion' } }).reason, 'KeyPendingDeletion');
    assert.equal(judgeKeyState({ ...facts('a', 'k'), key: undefined }).reason, 'KeyMissing');
    const missing = judgeRotation({ ...facts('a', 'k'), key: undefined });
    assert.equal(missing.result, 'error');
  });

  it('find rotation off, even when the tenant asked for it, and say so', () => {
    const check = judgeRotation({ ...facts('a', 'k'), rotation: false, tenant: { ...facts('a', 'k').tenant, rotationRequested: false } });
    assert.equal(check.reason, 'KeyRotationOff');
    assert.match(check.message, /spec\.encryption\.keyRotation turns it off/);
  });

  it('find tags that name another tenant or UID', () => {
    assert.equal(
      judgeTags({ ...facts('a', 'k'), tags: { 'bulkhead.dev/tenant': 'a', 'bulkhead.dev/tenant-uid': 'u-old' } }).reason,
      'KeyTagsWrong',
    );
  });

  it('find the alias missing, pointing elsewhere, or sharing its key with another alias', () => {
    assert.equal(judgeAlias({ ...facts('a', 'k'), aliasTarget: undefined }).reason, 'AliasMissing');
    assert.equal(judgeAlias({ ...facts('a', 'k'), aliasTarget: 'k-other' }).reason, 'AliasPointsElsewhere');
    assert.equal(judgeAlias({ ...facts('a', 'k'), aliasesOnKey: ['alias/bulkhead/a', 'alias/bulkhead/b'] }).reason, 'KeyHasOtherAliases');
  });

  it('find a key two tenants lead to, through status, alias or ConfigMap, for both of them', () => {
    const a = facts('a', 'k-a');
    for (const field of ['statusKeyId', 'aliasTarget', 'configMapKeyId'] as const) {
      const b = { ...facts('b', 'k-b'), [field]: 'k-a' };
      assert.equal(judgeExclusive(a, [a, b]).reason, 'KeySharedWithTenant', field);
      assert.equal(judgeExclusive(b, [a, b]).reason, 'KeySharedWithTenant', field);
    }
  });

  // No index outlives the call that made it: a caller that changes its fleet between two calls is
  // judged against the fleet as it is then (decision 0063).
  it('judge a key against the fleet of each call, though the caller changed the array in between', () => {
    const a = facts('a', 'k-a');
    const everyone = [a, facts('b', 'k-b')];
    assert.equal(judgeExclusive(a, everyone).result, 'pass');
    everyone.push({ ...facts('c', 'k-c'), configMapKeyId: 'k-a' });
    assert.equal(judgeExclusive(a, everyone).reason, 'KeySharedWithTenant');
    everyone.pop();
    assert.equal(judgeExclusive(a, everyone).result, 'pass');
  });

  it("find a probe that decrypts without the context or with another tenant's", () => {
    const leaky = {
      ...facts('a', 'k'),
      probe: { sameContext: { outcome: 'decrypted' as const }, withoutContext: { outcome: 'decrypted' as const }, otherContext: refused },
    };
    const check = judgeEncryptionContext(leaky);
    assert.equal(check.reason, 'EncryptionContextNotRequired');
    assert.match(check.message, /without a context/);
  });

  it('counts the auditor refused by the key policy as the policy at work, but errs on any other refusal', () => {
    const denied = judgeEncryptionContext({ ...facts('a', 'k'), probe: { encryptRefused: 'AccessDeniedException' } });
    assert.equal(denied.result, 'pass');
    assert.equal((denied.evidence as { exercised: string }).exercised, 'refused-to-auditor');
    const throttled = judgeEncryptionContext({ ...facts('a', 'k'), probe: { encryptRefused: 'ThrottlingException' } });
    assert.equal(throttled.result, 'error');
    assert.equal(throttled.reason, 'EncryptionProbeRefused');
    assert.equal((throttled.evidence as { exercised: boolean }).exercised, false);
  });

  it('errs when even the right context fails', () => {
    const broken = judgeEncryptionContext({
      ...facts('a', 'k'),
      probe: { sameContext: refused, withoutContext: refused, otherContext: refused },
    });
    assert.equal(broken.result, 'error');
  });

  it("pass a suspended tenant's Disabled key, and call an Enabled one a suspension not in force", () => {
    const suspended = facts('a', 'k-a');
    suspended.tenant.suspended = true;
    suspended.key = { keyId: 'k-a', state: 'Disabled' };
    delete suspended.probe;
    assert.equal(judgeKeyState(suspended).result, 'pass');
    assert.match(judgeKeyState(suspended).title, /Disabled \(the tenant is suspended\)/);
    assert.equal(judgeEncryptionContext(suspended).result, 'pass');
    assert.deepEqual(judgeEncryptionContext(suspended).evidence, { keyId: 'k-a', exercised: false });

    const enabled = facts('b', 'k-b');
    enabled.tenant.suspended = true;
    assert.deepEqual([judgeKeyState(enabled).result, judgeKeyState(enabled).reason], ['fail', 'SuspendedKeyEnabled']);
  });

  it('still call a Disabled key of a tenant not suspended a finding', () => {
    const disabled = facts('a', 'k-a');
    disabled.key = { keyId: 'k-a', state: 'Disabled' };
    delete disabled.probe;
    assert.deepEqual([judgeKeyState(disabled).result, judgeKeyState(disabled).reason], ['fail', 'KeyDisabled']);
    assert.equal(judgeEncryptionContext(disabled).result, 'error');
  });
});
