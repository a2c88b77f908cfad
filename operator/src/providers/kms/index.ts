/**
 * The KMS provider: each tenant's own key in the AWS KMS API of its region (moto's server in
 * tests), created once, kept in shape, and scheduled for deletion when the tenant goes. Plain
 * classes, no Kubernetes: the tenant controller passes a TenantKeySpec.
 */
export { AwsKmsProvider, kmsCrashPoints } from './aws-kms.js';
export { RegionalKmsProviders } from './regional.js';
export { accountRootArn, backupPurpose, buildKeyPolicy, encryptionContextKey, partitionOf, purposeContextKey } from './key-policy.js';
export { tenantTagKey, tenantUidTagKey } from './key-lookup.js';
export { suspendedTagKey } from './key-suspension.js';
export { defaultPrincipalTemplate, tenantPrincipal, type PrincipalVariables } from './principal.js';
export { maximumPendingWindowDays, minimumPendingWindowDays } from './spec-validation.js';
export {
  KeyProviderError,
  KeyProviderThrottled,
  KeyProviderUnavailable,
  KeyRegionNotConfigured,
  KeyRequestRefused,
  KeySpecInvalid,
} from './errors.js';
export { defaultKmsRequestsPerSecond, kmsOperations, type KmsOperation, type KmsPacingOptions } from './pacing.js';
export type {
  KeyDeletion,
  KmsEndpoint,
  KmsProviderOptions,
  TenantKey,
  TenantKeyDescription,
  TenantKeyProvider,
  TenantKeySpec,
} from './types.js';
