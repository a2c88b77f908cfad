/**
 * Finding a tenant's key. The alias is the fast path; the tenant-uid tag is the truth. CreateKey
 * is not idempotent, so before creating a key the provider searches every key for the tenant's
 * UID tag: a key a crashed call created but never aliased is adopted instead of duplicated.
 */
import { DescribeKeyCommand, ListKeysCommand, ListResourceTagsCommand, type KeyMetadata, type Tag } from '@aws-sdk/client-kms';
import { group, tenantLabel } from '../../api/labels.js';
import { KeyRequestRefused } from './errors.js';
import type { KmsSession } from './kms-session.js';

export const tenantTagKey = tenantLabel;
export const tenantUidTagKey = `${group}/tenant-uid`;

/** The key's id; KMS always gives one, and a key without is refused rather than guessed at. */
export function keyIdOf(key: KeyMetadata): string {
  if (key.KeyId === undefined) throw new KeyRequestRefused('KMS described a key without a KeyId');
  return key.KeyId;
}

/** A key KMS will delete; it can never again be a live tenant key. */
export function isPendingDeletion(key: KeyMetadata): boolean {
  return key.KeyState === 'PendingDeletion' || key.KeyState === 'PendingReplicaDeletion';
}

/** The key an alias points to, or undefined when there is no such alias. */
export async function describeAliasTarget(session: KmsSession, alias: string): Promise<KeyMetadata | undefined> {
  const found = await session.callUnlessNotFound(`describing the key behind ${alias}`, (kms, options) =>
    kms.send(new DescribeKeyCommand({ KeyId: alias }), options),
  );
  return found?.KeyMetadata;
}

/** The value of the tenant-uid tag on a key, or undefined when it has none (or is gone). */
export async function tenantUidOfKey(session: KmsSession, keyId: string): Promise<string | undefined> {
  const tags = await keyTags(session, keyId);
  return tags?.find((tag) => tag.TagKey === tenantUidTagKey)?.TagValue;
}

/** Every tag on a key, or undefined when it is gone. */
export async function keyTags(session: KmsSession, keyId: string): Promise<Tag[] | undefined> {
  const tags: Tag[] = [];
  let marker: string | undefined;
  do {
    const page = await session.callUnlessNotFound(`listing the tags of key ${keyId}`, (kms, options) =>
      kms.send(new ListResourceTagsCommand({ KeyId: keyId, Marker: marker }), options),
    );
    if (page === undefined) return undefined;
    tags.push(...(page.Tags ?? []));
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
  return tags;
}

/** Whether a key is live and carries the tag `tagKey` with `value` (a region's pool or pool-backups key). */
export async function isLiveKeyTagged(session: KmsSession, key: KeyMetadata, tagKey: string, value: string): Promise<boolean> {
  if (isPendingDeletion(key)) return false;
  const tags = await keyTags(session, keyIdOf(key));
  return tags?.some((tag) => tag.TagKey === tagKey && tag.TagValue === value) ?? false;
}

/**
 * The first live key tagged `tagKey`=`value`: a region-wide key a call created and died before
 * aliasing. One DescribeKey and one ListResourceTags per key in the account and region; it runs
 * only when the alias is missing.
 */
export async function findLiveKeyTagged(session: KmsSession, tagKey: string, value: string): Promise<KeyMetadata | undefined> {
  for await (const keyId of allKeyIds(session)) {
    const described = await session.callUnlessNotFound(`describing key ${keyId}`, (kms, options) =>
      kms.send(new DescribeKeyCommand({ KeyId: keyId }), options),
    );
    if (described?.KeyMetadata && (await isLiveKeyTagged(session, described.KeyMetadata, tagKey, value))) return described.KeyMetadata;
  }
  return undefined;
}

/**
 * Every key tagged with the tenant's UID, in any state, oldest first. One ListResourceTags per
 * key in the account and region: it runs only when the alias does not lead to the tenant's key.
 */
export async function findTenantKeys(session: KmsSession, tenantUid: string): Promise<KeyMetadata[]> {
  const found: KeyMetadata[] = [];
  for await (const keyId of allKeyIds(session)) {
    if ((await knownTenantUidOfKey(session, keyId)) !== tenantUid) continue;
    const described = await session.callUnlessNotFound(`describing key ${keyId}`, (kms, options) =>
      kms.send(new DescribeKeyCommand({ KeyId: keyId }), options),
    );
    if (described?.KeyMetadata) found.push(described.KeyMetadata);
  }
  return found.sort((a, b) => (a.CreationDate?.getTime() ?? 0) - (b.CreationDate?.getTime() ?? 0));
}

/**
 * Each key's tenant-uid tag, remembered per KMS client (shared by a session's signalled views): the tag is set by CreateKey together with the
 * key and Bulkhead never changes it, so a key read once need not be read again. Without this every
 * new tenant read the tags of every key in the account, and onboarding N tenants cost N² calls
 * (docs/performance.md). A new process starts empty and reads every key once, which is what finds
 * a key a crashed process created but never aliased.
 */
const uidTags = new WeakMap<object, Map<string, string | undefined>>();

async function knownTenantUidOfKey(session: KmsSession, keyId: string): Promise<string | undefined> {
  let known = uidTags.get(session.client);
  if (known === undefined) uidTags.set(session.client, (known = new Map<string, string | undefined>()));
  if (!known.has(keyId)) known.set(keyId, await tenantUidOfKey(session, keyId));
  return known.get(keyId);
}

async function* allKeyIds(session: KmsSession): AsyncGenerator<string> {
  let marker: string | undefined;
  do {
    const page = await session.call('listing the keys', (kms, options) =>
      kms.send(new ListKeysCommand({ Limit: 1000, Marker: marker }), options),
    );
    for (const key of page.Keys ?? []) if (key.KeyId) yield key.KeyId;
    marker = page.Truncated ? page.NextMarker : undefined;
  } while (marker !== undefined);
}
