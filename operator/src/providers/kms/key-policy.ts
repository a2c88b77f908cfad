/**
 * The key policy of a tenant's key. The account root may administer the key (describe, rotate,
 * re-policy, tag, schedule deletion) but not use it, so no IAM policy in the account can grant
 * anyone its use; only the tenant's own principal may encrypt, decrypt and generate data keys,
 * and only under the encryption context `tenant=<name>`, so ciphertext of one tenant can never be
 * decrypted as another's.
 */
import { isDeepStrictEqual } from 'node:util';
import type { TenantKeySpec } from './types.js';

export const encryptionContextKey = 'tenant';

/** Everything but the cryptographic operations and CreateGrant (a grant could hand the key's use to someone). */
export const administrationActions = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:Get*',
  'kms:List*',
  'kms:PutKeyPolicy',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
] as const;

export const tenantUsageActions = ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey*'] as const;

/** The ARN partition of a region: aws-cn in China, aws-us-gov in GovCloud, aws elsewhere. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/** The tenant key's policy document, as the JSON string KMS takes. */
export function buildKeyPolicy(spec: Pick<TenantKeySpec, 'tenant' | 'principal'>, rootArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `bulkhead-tenant-${spec.tenant}`,
    Statement: [
      {
        Sid: 'AccountAdministersButDoesNotUse',
        Effect: 'Allow',
        Principal: { AWS: rootArn },
        Action: [...administrationActions],
        Resource: '*',
      },
      {
        Sid: 'TenantUsesWithItsEncryptionContext',
        Effect: 'Allow',
        Principal: { AWS: spec.principal },
        Action: [...tenantUsageActions],
        Resource: '*',
        Condition: { StringEquals: { [`kms:EncryptionContext:${encryptionContextKey}`]: spec.tenant } },
      },
    ],
  });
}

/** Whether two policy documents say the same, however KMS formatted the one it returns. */
export function samePolicy(actual: string | undefined, desired: string): boolean {
  if (actual === undefined) return false;
  try {
    return isDeepStrictEqual(JSON.parse(actual), JSON.parse(desired));
  } catch {
    return false;
  }
}
