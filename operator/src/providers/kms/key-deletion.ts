/**
 * Crypto-shredding a tenant: every key tagged with its UID scheduled for deletion, and its alias
 * freed for a future tenant of the same name. Both requests destroy, so both go through
 * KmsSession.destroy, behind the leadership fence. Idempotent: a key already scheduled keeps its
 * date, an alias already gone is fine.
 */
import { DeleteAliasCommand, DescribeKeyCommand, ScheduleKeyDeletionCommand, type KeyMetadata } from '@aws-sdk/client-kms';
import { crashPoint } from '../../runtime/crash-points.js';
import type { LeadershipFence } from '../../runtime/fence.js';
import { KeyProviderError, KeyRequestRefused } from './errors.js';
import { describeAliasTarget, findTenantKeys, isPendingDeletion, keyIdOf } from './key-lookup.js';
import { unlessNotFound, type KmsSession } from './kms-session.js';
import type { KeyDeletion, TenantKeySpec } from './types.js';

export const keyDeletionCrashPoints = {
  afterScheduleDeletion: 'kms.after-schedule-deletion',
} as const;

export interface KeyDeletionRequest {
  spec: TenantKeySpec;
  pendingWindowDays: number;
  fence: LeadershipFence;
}

/** Every deletion scheduled, and the one to report: the aliased key's, else the oldest key's. */
export interface TenantKeyDeletions {
  deletions: KeyDeletion[];
  reported: KeyDeletion | undefined;
}

export async function scheduleTenantKeysDeletion(session: KmsSession, request: KeyDeletionRequest): Promise<TenantKeyDeletions> {
  const { spec, fence } = request;
  const aliased = await describeAliasTarget(session, spec.alias);
  const deletions: KeyDeletion[] = [];
  for (const key of await findTenantKeys(session, spec.tenantUid)) deletions.push(await scheduleKeyDeletion(session, key, request));
  const aliasedDeletion = deletions.find((deletion) => deletion.keyId === aliased?.KeyId);
  if (aliasedDeletion !== undefined) {
    await unlessNotFound(
      session.destroy(fence, `deleting alias ${spec.alias}`, (kms, options) =>
        kms.send(new DeleteAliasCommand({ AliasName: spec.alias }), options),
      ),
    );
  }
  return { deletions, reported: aliasedDeletion ?? deletions[0] };
}

/** Schedules deletion unless it already is; either way reports when the key goes. */
async function scheduleKeyDeletion(session: KmsSession, key: KeyMetadata, request: KeyDeletionRequest): Promise<KeyDeletion> {
  const keyId = keyIdOf(key);
  if (isPendingDeletion(key)) return deletionOf(key);
  const { pendingWindowDays, fence } = request;
  try {
    const response = await session.destroy(fence, `scheduling the deletion of key ${keyId}`, (kms, options) =>
      kms.send(new ScheduleKeyDeletionCommand({ KeyId: keyId, PendingWindowInDays: pendingWindowDays }), options),
    );
    crashPoint(keyDeletionCrashPoints.afterScheduleDeletion);
    return { keyId, deletionDate: response.DeletionDate ?? new Date(Date.now() + pendingWindowDays * 86_400_000) };
  } catch (error) {
    // Scheduled meanwhile (AWS refuses a second schedule with KMSInvalidStateException): report that date.
    if (!(error instanceof KeyProviderError) || error.kmsError !== 'KMSInvalidStateException') throw error;
    const again = await session.call(`describing key ${keyId}`, (kms, options) =>
      kms.send(new DescribeKeyCommand({ KeyId: keyId }), options),
    );
    if (again.KeyMetadata === undefined || !isPendingDeletion(again.KeyMetadata)) throw error;
    return deletionOf(again.KeyMetadata);
  }
}

function deletionOf(key: KeyMetadata): KeyDeletion {
  if (key.DeletionDate === undefined) throw new KeyRequestRefused(`key ${key.KeyId} is pending deletion but KMS gives no deletion date`);
  return { keyId: keyIdOf(key), deletionDate: key.DeletionDate };
}
