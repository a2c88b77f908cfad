/**
 * The pooled key tier (docs/decisions/0049): one KMS key per region wraps every pooled tenant's
 * data key under the tenant's own encryption context, each tenant admitted by a grant of its own;
 * and promotion, which gives a pooled tenant a key of its own and moves its data key there.
 */
export { dataKeyCrashPoints, ensureWrappedDataKey, type DataKeyStore, type WrappedDataKey } from './data-keys.js';
export { grantCrashPoints, isTenantGrant, listPoolGrants, type PoolGrant, type TenantGrantSpec } from './grants.js';
export {
  poolKeyAlias,
  poolKeyTagKey,
  tenantEncryptionContext,
  tenantGrantName,
  tenantGrantNamePrefix,
  tenantGrantOperations,
} from './names.js';
export { buildPoolKeyPolicy, reWrapStatementSid, withReWrapStatement } from './policy.js';
export { poolKeyCrashPoints, type PoolKey } from './pool-key.js';
export { PooledKeyProvider, type PooledTenantKey } from './pooled-key-provider.js';
export {
  keyPromotionCrashPoints,
  promoteTenantKey,
  reWrapDataKey,
  revokePoolGrant,
  type KeyPromotion,
  type KeyPromotionRequest,
} from './promotion.js';
export { PoolKeyInspector, type DataKeyProbe, type PoolKeyView } from './inspection.js';
