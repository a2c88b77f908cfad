/**
 * The pooled key tier against moto (docs/decisions/0049): one pool key per region, a grant per
 * tenant constrained to its own encryption context, a data key per tenant wrapped under the pool
 * key; the audit's pool checks on real grants and a real decrypt probe; deletion; promotion to a
 * key of the tenant's own, including after a kill -9 between its steps.
 *
 * What moto does and does not show: it binds the encryption context to the ciphertext (a decrypt
 * under another context is refused, as on AWS), stores grants with their constraints and lists
 * them back, and re-encrypts. It does not authenticate callers as principals, so it enforces
 * neither key policies nor grants: that the tenant's principal may Decrypt only by its grant is
 * shown by the grant as KMS lists it (judged by the audit), not by a refused call.
 */
import assert from 'node:assert/strict';
import {
  CreateGrantCommand,
  DecryptCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListResourceTagsCommand,
  RevokeGrantCommand,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { createLogger } from '../../src/runtime/logging.js';
import { AwsKmsProvider, accountRootArn, buildKeyPolicy, type TenantKeySpec } from '../../src/providers/kms/index.js';
import {
  PoolKeyInspector,
  PooledKeyProvider,
  keyPromotionCrashPoints,
  poolKeyAlias,
  poolKeyCrashPoints,
  promoteTenantKey,
  tenantEncryptionContext,
  type DataKeyStore,
  type WrappedDataKey,
} from '../../src/providers/kms/pool/index.js';
import { judgePoolGrants } from '../../src/audit/data/pool-key-checks.js';
import { auditPoolKey } from '../../src/audit/data/pool-key-audit.js';
import { aliasTarget, keysTaggedWith, kmsClient, kmsEndpoint, region, tenantKeySpec } from './support/kms.js';
import { soleActorFence } from './support/fence.js';
import { operatorPrincipal, poolKeyCrashDuring, temporaryStore } from './support/pool-key.js';

const logger = createLogger({ silent: true });

/** Opens a wrapped data key as the tenant's app would; the plaintext as base64, or the error's name. */
async function open(kms: KMSClient, dataKey: WrappedDataKey, context: Record<string, string>): Promise<string> {
  try {
    const response = await kms.send(
      new DecryptCommand({
        KeyId: dataKey.wrappingKeyArn,
        CiphertextBlob: Buffer.from(dataKey.ciphertext, 'base64'),
        EncryptionContext: context,
      }),
    );
    return Buffer.from(response.Plaintext ?? []).toString('base64');
  } catch (error) {
    return `refused: ${(error as Error).name}`;
  }
}

async function stored(store: DataKeyStore): Promise<WrappedDataKey> {
  const key = await store.read();
  assert.ok(key, 'the store holds a wrapped data key');
  return key;
}

describe('the pooled key tier', function () {
  let pool: PooledKeyProvider;
  let dedicated: AwsKmsProvider;
  let inspector: PoolKeyInspector;
  let kms: KMSClient;

  before(function () {
    pool = new PooledKeyProvider(kmsEndpoint(), { logger, operatorPrincipal });
    dedicated = new AwsKmsProvider(kmsEndpoint(), { logger });
    inspector = new PoolKeyInspector(kmsEndpoint(), { logger });
    kms = kmsClient();
  });

  after(function () {
    pool.close();
    dedicated.close();
    inspector.close();
    kms.destroy();
  });

  const facts = async (spec: TenantKeySpec) => {
    const view = await inspector.poolKey(region);
    return {
      tenant: { name: spec.tenant, uid: spec.tenantUid, principal: spec.principal },
      region,
      poolKeyId: view?.keyId,
      grants: view?.grants ?? [],
    };
  };

  describe('two pooled-key tenants', function () {
    const alpha = tenantKeySpec('pool-alpha');
    const beta = tenantKeySpec('pool-beta');
    const alphaStore = temporaryStore();
    const betaStore = temporaryStore();

    before(async function () {
      await pool.ensureTenant(alpha, alphaStore, soleActorFence);
      await pool.ensureTenant(beta, betaStore, soleActorFence);
    });

    it('share one tagged, rotating pool key behind the region alias, under a policy with no statement per tenant', async function () {
      const poolKey = await pool.ensurePoolKey();
      assert.equal(await aliasTarget(kms, poolKeyAlias(region)), poolKey.keyId);
      assert.equal((await stored(alphaStore)).wrappingKeyArn, poolKey.arn);
      assert.equal((await stored(betaStore)).wrappingKeyArn, poolKey.arn);
      const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: poolKey.keyId }))).Tags ?? [];
      assert.ok(tags.some((tag) => tag.TagKey === 'bulkhead.dev/pool-key' && tag.TagValue === region));
      assert.equal((await kms.send(new GetKeyRotationStatusCommand({ KeyId: poolKey.keyId }))).KeyRotationEnabled, true);
      const policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: poolKey.keyId, PolicyName: 'default' }))).Policy ?? '';
      assert.ok(!policy.includes(alpha.tenant) && !policy.includes(beta.tenant), 'no tenant is named in the policy');
    });

    it("each opens its own data key under its own context, and not the other's", async function () {
      const alphaKey = await stored(alphaStore);
      const betaKey = await stored(betaStore);
      assert.equal(Buffer.from(await open(kms, alphaKey, tenantEncryptionContext(alpha.tenant)), 'base64').length, 32);
      assert.equal(Buffer.from(await open(kms, betaKey, tenantEncryptionContext(beta.tenant)), 'base64').length, 32);
      assert.match(await open(kms, alphaKey, tenantEncryptionContext(beta.tenant)), /^refused: InvalidCiphertextException/);
      assert.match(await open(kms, betaKey, tenantEncryptionContext(alpha.tenant)), /^refused: InvalidCiphertextException/);
      assert.notEqual(alphaKey.ciphertext, betaKey.ciphertext);
    });

    it('are ensured again without a second grant or a new data key', async function () {
      const before = await stored(alphaStore);
      const again = await pool.ensureTenant(alpha, alphaStore, soleActorFence);
      assert.deepEqual(again.created, { grant: false, dataKey: false });
      assert.equal((await stored(alphaStore)).ciphertext, before.ciphertext);
      const named = (await facts(alpha)).grants.filter((grant) => grant.name.includes(alpha.tenant));
      assert.equal(named.length, 1);
      assert.deepEqual(named[0]?.contextEquals, tenantEncryptionContext(alpha.tenant));
      assert.deepEqual(named[0]?.operations, ['Decrypt']);
    });

    it("pass the audit's pool checks: the grants, the policy, and the decrypt probe on their real data keys", async function () {
      const checks = await auditPoolKey(inspector, {
        region,
        operatorPrincipal,
        rootArn: accountRootArn(kmsEndpoint().accountId),
        tenants: [
          { tenant: { name: alpha.tenant, uid: alpha.tenantUid, principal: alpha.principal }, dataKey: await stored(alphaStore) },
          { tenant: { name: beta.tenant, uid: beta.tenantUid, principal: beta.principal }, dataKey: await stored(betaStore) },
        ],
      });
      assert.deepEqual(
        checks.map((check) => `${check.tenant ?? ''} ${check.id} ${check.result}`),
        [alpha.tenant, beta.tenant].flatMap((tenant) =>
          ['key.pool-grants', 'key.pool-policy', 'key.pool-encryption-context'].map((id) => `${tenant} ${id} pass`),
        ),
        checks.map((check) => check.message).join('\n'),
      );
      const probe = await inspector.probeDataKey(await stored(alphaStore), tenantEncryptionContext(beta.tenant));
      assert.equal(probe.otherContext?.error, 'InvalidCiphertextException', 'refused by KMS for the context, not for another reason');
    });

    it("fails the grants check when a grant admits the other tenant's principal to alpha's context", async function () {
      const poolKey = await pool.ensurePoolKey();
      const sabotage = await kms.send(
        new CreateGrantCommand({
          KeyId: poolKey.keyId,
          Name: 'sabotage-cross-tenant',
          GranteePrincipal: beta.principal,
          Operations: ['Decrypt'],
          Constraints: { EncryptionContextEquals: tenantEncryptionContext(alpha.tenant) },
        }),
      );
      try {
        const alphaCheck = judgePoolGrants(await facts(alpha));
        assert.equal(alphaCheck.result, 'fail');
        assert.equal(alphaCheck.reason, 'PoolGrantAdmitsOthers');
        assert.match(alphaCheck.message, new RegExp(beta.principal));
        const betaCheck = judgePoolGrants(await facts(beta));
        assert.equal(betaCheck.reason, 'PoolGrantOtherContext');
      } finally {
        await kms.send(new RevokeGrantCommand({ KeyId: poolKey.keyId, GrantId: sabotage.GrantId }));
      }
      assert.equal(judgePoolGrants(await facts(alpha)).result, 'pass', 'revoking the sabotage restores the pass');
    });

    it('fails the grants check of every tenant when a grant has no context constraint', async function () {
      const poolKey = await pool.ensurePoolKey();
      const sabotage = await kms.send(
        new CreateGrantCommand({
          KeyId: poolKey.keyId,
          Name: 'sabotage-unconstrained',
          GranteePrincipal: operatorPrincipal,
          Operations: ['Decrypt'],
        }),
      );
      try {
        for (const spec of [alpha, beta]) assert.equal(judgePoolGrants(await facts(spec)).reason, 'PoolGrantUnconstrained');
      } finally {
        await kms.send(new RevokeGrantCommand({ KeyId: poolKey.keyId, GrantId: sabotage.GrantId }));
      }
    });
  });

  it("revokes the tenant's grant and deletes its wrapped data key on deletion, leaving the pool key and other tenants alone", async function () {
    const leaving = tenantKeySpec('pool-leaving');
    const staying = tenantKeySpec('pool-staying');
    const leavingStore = temporaryStore();
    const stayingStore = temporaryStore();
    await pool.ensureTenant(leaving, leavingStore, soleActorFence);
    await pool.ensureTenant(staying, stayingStore, soleActorFence);
    const { revokedGrantIds } = await pool.releaseTenant(leaving.tenant, leavingStore, soleActorFence);
    assert.equal(revokedGrantIds.length, 1);
    assert.equal(await leavingStore.read(), undefined);
    const view = await inspector.poolKey(region);
    assert.ok(!view?.grants.some((grant) => grant.name.includes(`/${leaving.tenant}/`)), 'no grant of the tenant is left');
    assert.equal(judgePoolGrants(await facts(leaving)).reason, 'PoolGrantMissing');
    assert.equal(judgePoolGrants(await facts(staying)).result, 'pass');
    assert.equal((await pool.releaseTenant(leaving.tenant, leavingStore, soleActorFence)).revokedGrantIds.length, 0, 'idempotent');
  });

  it('never creates a pool key to delete a tenant from a region that has none', async function () {
    const empty = new PooledKeyProvider({ ...kmsEndpoint(), region: 'sa-east-1' }, { logger, operatorPrincipal });
    try {
      const store = temporaryStore();
      await store.write({ wrappingKeyArn: 'arn:aws:kms:sa-east-1:123456789012:key/gone', context: { tenant: 'x' }, ciphertext: 'AA==' });
      assert.deepEqual(await empty.releaseTenant(tenantKeySpec('pool-nowhere').tenant, store, soleActorFence), { revokedGrantIds: [] });
      assert.equal(await store.read(), undefined, 'the wrapped data key is deleted all the same');
      assert.equal(await empty.existingPoolKeyId(), undefined);
    } finally {
      empty.close();
    }
  });

  describe('promotion to a key of its own', function () {
    it('re-wraps the data key under the new key with the same plaintext, revokes the pool grant and leaves the usual policy', async function () {
      const spec = tenantKeySpec('pool-promoted');
      const store = temporaryStore();
      await pool.ensureTenant(spec, store, soleActorFence);
      const context = tenantEncryptionContext(spec.tenant);
      const plaintext = await open(kms, await stored(store), context);
      const promotion = await promoteTenantKey({ pool, dedicated, spec, store, fence: soleActorFence });
      assert.equal(promotion.reWrapped, true);
      assert.equal(promotion.revokedGrantIds.length, 1);
      await assertPromoted(spec, store, plaintext);
      const again = await promoteTenantKey({ pool, dedicated, spec, store, fence: soleActorFence });
      assert.equal(again.reWrapped, false, 'a second promotion finds the work done');
      assert.equal(again.key.keyId, promotion.key.keyId);
      await assertPromoted(spec, store, plaintext);
    });

    for (const crashAt of Object.values(keyPromotionCrashPoints)) {
      it(`converges after a kill -9 at ${crashAt}`, async function () {
        const spec = tenantKeySpec(`pool-crash-${crashAt.split('.').pop() ?? ''}`);
        const store = temporaryStore();
        await pool.ensureTenant(spec, store, soleActorFence);
        const plaintext = await open(kms, await stored(store), tenantEncryptionContext(spec.tenant));
        await poolKeyCrashDuring({ operation: 'promote', endpoint: kmsEndpoint(), spec, storePath: store.path }, crashAt);
        assert.equal(
          await open(kms, await stored(store), tenantEncryptionContext(spec.tenant)),
          plaintext,
          'the stored data key opens to the same key right after the crash',
        );
        await promoteTenantKey({ pool, dedicated, spec, store, fence: soleActorFence });
        await assertPromoted(spec, store, plaintext);
      });
    }

    async function assertPromoted(spec: TenantKeySpec, store: DataKeyStore, plaintext: string): Promise<void> {
      const keys = await keysTaggedWith(kms, spec.tenantUid);
      assert.equal(keys.length, 1, 'exactly one key of its own');
      const key = await dedicated.describe(spec);
      const dataKey = await stored(store);
      assert.equal(dataKey.wrappingKeyArn, key?.arn, 'the data key is wrapped under its own key');
      assert.equal(await open(kms, dataKey, tenantEncryptionContext(spec.tenant)), plaintext, 'the same data key, so its data still opens');
      assert.match(await open(kms, dataKey, { tenant: 'someone-else' }), /^refused/);
      const view = await inspector.poolKey(region);
      assert.ok(!view?.grants.some((grant) => grant.name.includes(`/${spec.tenant}/`)), 'the pool grant is revoked');
      const policy = (await kms.send(new GetKeyPolicyCommand({ KeyId: key?.keyId, PolicyName: 'default' }))).Policy;
      assert.deepEqual(
        JSON.parse(policy ?? '{}'),
        JSON.parse(buildKeyPolicy(spec, accountRootArn(kmsEndpoint().accountId))),
        'the re-wrap statement is gone',
      );
    }
  });

  it(`adopts the pool key a kill -9 at ${poolKeyCrashPoints.afterCreatePoolKey} left unaliased, instead of making a second`, async function () {
    const elsewhere = { ...kmsEndpoint(), region: 'ap-northeast-3' };
    const spec = tenantKeySpec('pool-first');
    const store = temporaryStore();
    await poolKeyCrashDuring(
      { operation: 'ensureTenant', endpoint: elsewhere, spec, storePath: store.path },
      poolKeyCrashPoints.afterCreatePoolKey,
    );
    const regional = new PooledKeyProvider(elsewhere, { logger, operatorPrincipal });
    try {
      const poolKey = await regional.ensurePoolKey();
      assert.equal(poolKey.created, false, 'the key the crashed call created is adopted');
      assert.deepEqual(poolKey.repaired.slice(0, 1), ['alias']);
      const again = await regional.ensureTenant(spec, store, soleActorFence);
      assert.equal(again.poolKey.keyId, poolKey.keyId);
    } finally {
      regional.close();
    }
  });
});
