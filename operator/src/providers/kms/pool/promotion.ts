/**
 * Promotion of a pooled tenant's key: a key of its own, its data key moved onto it, its grant on
 * the pool key revoked. The re-wrap is KMS's ReEncrypt, so the plaintext data key never leaves
 * KMS and the operator never needs Decrypt on either key (docs/decisions/0049). While it runs,
 * the tenant's new key carries one more statement letting the operator ReEncryptTo it under the
 * tenant's context alone; the re-wrap takes it off again once the store holds the re-wrapped key,
 * and the key step's next pass would too. The operator runs the three steps (the key, the re-wrap,
 * the revoke) one per reconcile (steps/key-promotion.ts, docs/decisions/0052).
 *
 * Idempotent and crash-safe: each step looks at what is there before acting. A crash after the
 * ReEncrypt and before the store's write re-wraps again (the same plaintext under the same key);
 * after the write, the data key is found wrapped under the tenant's key and only the policy and
 * the revoke remain. The grant goes only once the store holds the re-wrapped key, so the tenant
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
import { tenantEncryptionContext } from './names.js';
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

/**
 * The whole promotion in one call: the three steps the operator runs one per reconcile
 * (steps/key-promotion.ts, docs/decisions/0052), back to back.
 */
export async function promoteTenantKey(request: KeyPromotionRequest): Promise<KeyPromotion> {
  const key = await request.dedicated.ensureKey(request.spec);
  const { dataKey, reWrapped } = await reWrapDataKey(request, key);
  const revokedGrantIds = await revokePoolGrant(request);
  return { key, dataKey, reWrapped, revokedGrantIds };
}

/**
 * Moves the stored data key onto the tenant's key with ReEncrypt unless it is already wrapped
 * there, then leaves the key's usual policy (without the re-wrap statement) in place. The store
 * is read first, so a second call after a crash re-wraps nothing it already holds.
 */
export async function reWrapDataKey(
  request: Omit<KeyPromotionRequest, 'dedicated'>,
  key: Pick<TenantKey, 'keyId' | 'arn'>,
): Promise<{ dataKey: WrappedDataKey | undefined; reWrapped: boolean }> {
  const { pool, spec, store } = request;
  let dataKey = await store.read();
  const reWrapped = dataKey !== undefined && dataKey.wrappingKeyArn !== key.arn;
  if (dataKey !== undefined && reWrapped) dataKey = await reWrap(pool.kmsSession, request, key, await poolWrapped(request, dataKey));
  await putPolicy(pool.kmsSession, key.keyId, buildKeyPolicy(spec, pool.rootArn));
  return { dataKey, reWrapped };
}

/**
 * Revokes every grant of the tenant's name on its region's pool key, behind the fence. Only once
 * the store holds the data key wrapped under the tenant's own key: the caller's order.
 */
export async function revokePoolGrant(request: Omit<KeyPromotionRequest, 'dedicated' | 'store'>): Promise<string[]> {
  const { pool, spec, fence } = request;
  const poolKeyId = await pool.existingPoolKeyId();
  const revokedGrantIds = poolKeyId === undefined ? [] : await revokeTenantGrants(pool.kmsSession, poolKeyId, spec.tenant, fence);
  crashPoint(keyPromotionCrashPoints.afterRevokePoolGrant);
  return revokedGrantIds;
}

/**
 * The stored data key as the re-wrap may take it: wrapped under the region's pool key, and always
 * re-wrapped under the tenant's own context. The store is the tenant's ConfigMap, which its owners
 * may edit: a ciphertext of another key or another tenant's context is refused, never moved
 * (under another context KMS cannot open it).
 */
async function poolWrapped(request: Omit<KeyPromotionRequest, 'dedicated'>, dataKey: WrappedDataKey): Promise<WrappedDataKey> {
  const poolKey = await request.pool.existingPoolKey();
  if (poolKey === undefined || dataKey.wrappingKeyArn !== poolKey.arn)
    throw new KeyRequestRefused(
      `the data key of tenant ${request.spec.tenant} is wrapped under ${dataKey.wrappingKeyArn}, which is neither its own key nor ` +
        `its region's pool key ${poolKey?.arn ?? '(none)'}; nothing was re-wrapped`,
    );
  return { ...dataKey, context: tenantEncryptionContext(request.spec.tenant) };
}

async function reWrap(
  session: KmsSession,
  request: Omit<KeyPromotionRequest, 'dedicated'>,
  key: Pick<TenantKey, 'keyId' | 'arn'>,
  dataKey: WrappedDataKey,
): Promise<WrappedDataKey> {
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
