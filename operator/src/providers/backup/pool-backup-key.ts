/**
 * The key that seals the backups of a region's pool-key tenants (docs/decisions/0055):
 * `alias/bulkhead/pool-backups/<region>`, symmetric, tagged, rotating, created on the first such
 * backup. Not the pool key itself: that key's policy lets nobody Decrypt (decision 0049), so that no
 * app's data key ever reaches the operator in the clear; this one lets the operator GenerateDataKey
 * and Decrypt under exactly `{tenant, tenantUid, purpose: backup}` and nothing else, and wraps no
 * app's data key. The tenant's UID is in the context because this key outlives every tenant: a
 * later tenant of the same name cannot open its predecessor's archives without an override.
 * CreateKey is not idempotent, so a key a crashed call made but never aliased is found by its tag.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  PutKeyPolicyCommand,
  type KeyMetadata,
} from '@aws-sdk/client-kms';
import { group, managedByLabel, managedByValue } from '../../api/labels.js';
import { crashPoint } from '../../runtime/crash-points.js';
import type { Logger } from '../../runtime/logging.js';
import { KeyRequestRefused } from '../kms/errors.js';
import { describeAliasTarget, findLiveKeyTagged, isLiveKeyTagged, keyIdOf } from '../kms/key-lookup.js';
import {
  administrationActions,
  backupPurpose,
  backupUsageActions,
  encryptionContextKey,
  purposeContextKey,
  samePolicy,
} from '../kms/key-policy.js';
import type { KmsSession } from '../kms/kms-session.js';
import { poolBackupKeyAlias } from './pool-backup-key-alias.js';

export { poolBackupKeyAlias };

export const poolBackupKeyTagKey = `${group}/pool-backup-key`;

/** The context key a pool-key tenant's archive adds to the backup context: the tenant's UID. */
export const tenantUidContextKey = 'tenantUid';

export const poolBackupKeyCrashPoints = { afterCreateKey: 'backup.after-create-pool-backup-key' } as const;

/** Where and as whom: the region, the operator's identity and the account root (which administers, never uses). */
export interface PoolBackupKeyRequest {
  region: string;
  operatorPrincipal: string;
  rootArn: string;
}

export function buildPoolBackupKeyPolicy(request: PoolBackupKeyRequest): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Id: `bulkhead-pool-backups-${request.region}`,
    Statement: [
      {
        Sid: 'AccountAdministersButDoesNotUse',
        Effect: 'Allow',
        Principal: { AWS: request.rootArn },
        Action: [...administrationActions],
        Resource: '*',
      },
      {
        Sid: 'OperatorSealsPooledBackupsOnly',
        Effect: 'Allow',
        Principal: { AWS: request.operatorPrincipal },
        Action: [...backupUsageActions],
        Resource: '*',
        Condition: {
          StringEquals: { [`kms:EncryptionContext:${purposeContextKey}`]: backupPurpose },
          Null: { [`kms:EncryptionContext:${encryptionContextKey}`]: 'false', [`kms:EncryptionContext:${tenantUidContextKey}`]: 'false' },
          'ForAllValues:StringEquals': { 'kms:EncryptionContextKeys': [encryptionContextKey, tenantUidContextKey, purposeContextKey] },
        },
      },
    ],
  });
}

async function createKey(session: KmsSession, request: PoolBackupKeyRequest): Promise<KeyMetadata> {
  const response = await session.call(`creating the pool-backups key of ${request.region}`, (kms, options) =>
    kms.send(
      new CreateKeyCommand({
        KeySpec: 'SYMMETRIC_DEFAULT',
        KeyUsage: 'ENCRYPT_DECRYPT',
        Description: `Bulkhead: seals the backups of ${request.region}'s pool-key tenants, each under its own context`,
        Policy: buildPoolBackupKeyPolicy(request),
        Tags: [
          { TagKey: poolBackupKeyTagKey, TagValue: request.region },
          { TagKey: managedByLabel, TagValue: managedByValue },
        ],
      }),
      options,
    ),
  );
  crashPoint(poolBackupKeyCrashPoints.afterCreateKey);
  if (response.KeyMetadata === undefined)
    throw new KeyRequestRefused(`creating the pool-backups key of ${request.region}: KMS returned no key`);
  return response.KeyMetadata;
}

/** Rotation on and the policy as written here, put back when they drifted. */
async function repair(session: KmsSession, key: KeyMetadata, request: PoolBackupKeyRequest): Promise<void> {
  const keyId = keyIdOf(key);
  const rotation = await session.call(`reading the rotation of key ${keyId}`, (kms, options) =>
    kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }), options),
  );
  if (rotation.KeyRotationEnabled !== true) {
    await session.call(`turning rotation on for key ${keyId}`, (kms, options) =>
      kms.send(new EnableKeyRotationCommand({ KeyId: keyId }), options),
    );
  }
  const desired = buildPoolBackupKeyPolicy(request);
  const actual = await session.call(`reading the policy of key ${keyId}`, (kms, options) =>
    kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
  );
  if (!samePolicy(actual.Policy, desired)) {
    await session.call(`restoring the policy of key ${keyId}`, (kms, options) =>
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: desired }), options),
    );
  }
}

/** The region's pool-backups key behind its alias, made on first use; refuses an alias leading to a key not tagged as it. */
export async function ensurePoolBackupKey(session: KmsSession, logger: Logger, request: PoolBackupKeyRequest): Promise<string> {
  const alias = poolBackupKeyAlias(request.region);
  const aliased = await describeAliasTarget(session, alias);
  if (aliased !== undefined && !(await isLiveKeyTagged(session, aliased, poolBackupKeyTagKey, request.region))) {
    throw new KeyRequestRefused(
      `alias ${alias} leads to key ${aliased.KeyId ?? '?'}, which is not tagged ${poolBackupKeyTagKey}=${request.region}; remove or move that alias`,
    );
  }
  const key = aliased ?? (await findLiveKeyTagged(session, poolBackupKeyTagKey, request.region)) ?? (await createKey(session, request));
  if (aliased === undefined) {
    await session.call(`creating alias ${alias}`, (kms, options) =>
      kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: keyIdOf(key) }), options),
    );
    logger.info('Created pool-backups key', { region: request.region, alias, keyId: key.KeyId });
  }
  await repair(session, key, request);
  return alias;
}
