/**
 * The key policy of a tenant's key. The account root may administer the key (describe, rotate,
 * re-policy, tag, schedule deletion) but not use it, so no IAM policy in the account can grant
 * anyone its use; only the tenant's own principal may encrypt, decrypt and generate data keys,
 * and only under the encryption context `tenant=<name>`, so ciphertext of one tenant can never be
 * decrypted as another's. When the operator backs tenants up, its own identity may generate and
 * open data keys under `tenant=<name>` together with `purpose=backup`, and nothing else: the
 * context of every ciphertext the app makes lacks that pair, so the operator can open its own
 * archives and none of the app's data (decision 0045).
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

/** The encryption context key and value that mark the operator's backup archives. */
export const purposeContextKey = 'purpose';
export const backupPurpose = 'backup';

/** What sealing and opening one backup archive takes: a data key per archive, and opening it again. */
export const backupUsageActions = ['kms:GenerateDataKey', 'kms:Decrypt'] as const;

/** The ARN partition of a region: aws-cn in China, aws-us-gov in GovCloud, aws elsewhere. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

export function accountRootArn(accountId: string, partition = 'aws'): string {
  return `arn:${partition}:iam::${accountId}:root`;
}

/**
 * The statement every Bulkhead key's policy opens with, a tenant's and the pool key alike: the
 * account root administers the key and cannot use it, so no IAM policy can hand out its use.
 */
export function administrationStatement(rootArn: string) {
  return {
    Sid: 'AccountAdministersButDoesNotUse',
    Effect: 'Allow',
    Principal: { AWS: rootArn },
    Action: [...administrationActions],
    Resource: '*',
  };
}

/** The tenant key's policy document, as the JSON string KMS takes. */
export function buildKeyPolicy(spec: Pick<TenantKeySpec, 'tenant' | 'principal' | 'backupPrincipal'>, rootArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `bulkhead-tenant-${spec.tenant}`,
    Statement: [
      administrationStatement(rootArn),
      {
        Sid: 'TenantUsesWithItsEncryptionContext',
        Effect: 'Allow',
        Principal: { AWS: spec.principal },
        Action: [...tenantUsageActions],
        Resource: '*',
        Condition: { StringEquals: { [`kms:EncryptionContext:${encryptionContextKey}`]: spec.tenant } },
      },
      ...(spec.backupPrincipal === undefined
        ? []
        : [
            {
              Sid: 'OperatorSealsBackupsOnly',
              Effect: 'Allow',
              Principal: { AWS: spec.backupPrincipal },
              Action: [...backupUsageActions],
              Resource: '*',
              Condition: {
                StringEquals: {
                  [`kms:EncryptionContext:${encryptionContextKey}`]: spec.tenant,
                  [`kms:EncryptionContext:${purposeContextKey}`]: backupPurpose,
                },
              },
            },
          ]),
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
