/**
 * Promotion of a pooled tenant's key: a key of its own, its data key moved onto it, its grant on
 * the pool key revoked. The re-wrap is KMS's ReEncrypt, so the plaintext data key never leaves
 * KMS and the operator never needs Decrypt on either key (docs/decisions/0049). While it runs,
 * the tenant's new key carries one more statement letting the operator ReEncryptTo it under the
 * tenant's context alone; the promotion takes it off at the end, and the key step's next pass
 * would too.
 *
 * Idempotent and crash-safe: each step looks at what is there before acting. A crash after the
 * ReEncrypt and before the store's write re-wraps again (the same plaintext under the same key);
 * after the write, the data key is found wrapped under the tenant's key and only the revoke and
 * the policy remain. The grant goes only once the store holds the re-wrapped key, so the tenant
 * can open its data key at every moment of the promotion.
 */
import { GetKeyPolicyCommand, PutKeyPolicyCommand, ReEncryptCommand } from '@aws-sdk/client-kms';
import { crashPoint } from '../../../runtime/crash-points.js';
import type { LeadershipFence } from '../../../runtime/fence.js';
import { KeyRequestRefused } from '../errors.js';
import { buildKeyPolicy, samePolicy } from '../key-policy.js';
import type { KmsSession } from '../kms-session.js';
import type { TenantKey, TenantKeyProvider, TenantKeySpec } from '../types.js';
import type { DataKeyStore, WrappedDataKey } from './data-keys.js';
import { revokeTenantGrants } from './grants.js';
import { withReWrapStatement } from './policy.js';
import type { PooledKeyProvider } from './pooled-key-provider.js';

export const keyPromotionCrashPoints = {
  afterReWrapPolicy: 'kms.promotion.after-re-wrap-policy',
  afterReEncrypt: 'kms.promotion.after-re-encrypt',
  afterStoreReWrapped: 'kms.promotion.after-store-re-wrapped',
  afterRevokePoolGrant: 'kms.promotion.after-revoke-pool-grant',
} as const;

export interface KeyPromotionRequest {
  /** The region's pool provider: its session makes the requests, its principal is the operator's. */
  pool: PooledKeyProvider;
  /** The region's provider of dedicated keys (AwsKmsProvider), which makes the tenant's key. */
  dedicated: TenantKeyProvider;
  /** The tenant's key as the key step derives it (steps/encryption-key.ts keySpec). */
  spec: TenantKeySpec;
  /** Where the tenant's wrapped data key is kept; rewritten with the re-wrapped key. */
  store: DataKeyStore;
  /** Revoking the pool grant is destructive: sent behind the leadership fence. */
  fence: LeadershipFence;
}

export interface KeyPromotion {
  key: TenantKey;
  /** The data key as it is now kept, wrapped under the tenant's key; undefined when it had none. */
  dataKey: WrappedDataKey | undefined;
  /** Whether this call did the re-wrap (false when a former call had). */
  reWrapped: boolean;
  revokedGrantIds: string[];
}

export async function promoteTenantKey(request: KeyPromotionRequest): Promise<KeyPromotion> {
  const { pool, dedicated, spec, store, fence } = request;
  const session = pool.kmsSession;
  const key = await dedicated.ensureKey(spec);
  let dataKey = await store.read();
  const reWrapped = dataKey !== undefined && dataKey.wrappingKeyArn !== key.arn;
  if (dataKey !== undefined && reWrapped) dataKey = await reWrap(session, request, key, dataKey);
  const poolKeyId = await pool.existingPoolKeyId();
  const revokedGrantIds = poolKeyId === undefined ? [] : await revokeTenantGrants(session, poolKeyId, spec.tenant, fence);
  crashPoint(keyPromotionCrashPoints.afterRevokePoolGrant);
  await putPolicy(session, key.keyId, buildKeyPolicy(spec, pool.rootArn));
  return { key, dataKey, reWrapped, revokedGrantIds };
}

async function reWrap(session: KmsSession, request: KeyPromotionRequest, key: TenantKey, dataKey: WrappedDataKey): Promise<WrappedDataKey> {
  const { pool, spec, store } = request;
  await putPolicy(session, key.keyId, withReWrapStatement(buildKeyPolicy(spec, pool.rootArn), spec.tenant, pool.operatorPrincipal));
  crashPoint(keyPromotionCrashPoints.afterReWrapPolicy);
  const response = await session.call(`re-wrapping the data key of tenant ${spec.tenant} under its own key`, (kms, options) =>
    kms.send(
      new ReEncryptCommand({
        CiphertextBlob: Buffer.from(dataKey.ciphertext, 'base64'),
        SourceKeyId: dataKey.wrappingKeyArn,
        SourceEncryptionContext: dataKey.context,
        DestinationKeyId: key.arn,
        DestinationEncryptionContext: dataKey.context,
      }),
      options,
    ),
  );
  crashPoint(keyPromotionCrashPoints.afterReEncrypt);
  if (response.CiphertextBlob === undefined)
    throw new KeyRequestRefused(`re-wrapping the data key of tenant ${spec.tenant}: KMS returned no ciphertext`);
  const reWrapped = {
    wrappingKeyArn: key.arn,
    context: dataKey.context,
    ciphertext: Buffer.from(response.CiphertextBlob).toString('base64'),
  };
  await store.write(reWrapped);
  crashPoint(keyPromotionCrashPoints.afterStoreReWrapped);
  return reWrapped;
}

async function putPolicy(session: KmsSession, keyId: string, desired: string): Promise<void> {
  const actual = await session.call(`reading the policy of key ${keyId}`, (kms, options) =>
    kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
  );
  if (samePolicy(actual.Policy, desired)) return;
  await session.call(`setting the policy of key ${keyId}`, (kms, options) =>
    kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: desired }), options),
  );
}
