/**
 * A suspended tenant's key is disabled (DisableKey): nothing can encrypt or decrypt with it, and
 * nothing is lost. Resume enables it again, but only a key Bulkhead disabled: the key is tagged
 * `bulkhead.dev/suspended` before DisableKey and untagged after EnableKey, so a key someone else
 * disabled (a security team's response, say) stays disabled through a resume. Tag first, then
 * disable: a crash between the two leaves an enabled, tagged key, which the next call disables;
 * the other order could leave a disabled key no resume would enable.
 */
import {
  DisableKeyCommand,
  EnableKeyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type KeyMetadata,
  type Tag,
} from '@aws-sdk/client-kms';
import { group } from '../../api/labels.js';
import { crashPoint } from '../../runtime/crash-points.js';
import type { Logger } from '../../runtime/logging.js';
import { keyIdOf } from './key-lookup.js';
import type { KmsSession } from './kms-session.js';
import type { TenantKeySpec } from './types.js';

/** The tag saying "disabled by the tenant's suspension, to be enabled on resume". */
export const suspendedTagKey = `${group}/suspended`;

export const keySuspensionCrashPoints = {
  afterTagSuspended: 'kms.after-tag-suspended',
  afterDisableKey: 'kms.after-disable-key',
  afterEnableKey: 'kms.after-enable-key',
} as const;

export interface SuspensionContext {
  session: KmsSession;
  logger: Logger;
}

/** Whether the tags mark the key as disabled by a suspension. */
export function markedSuspended(tags: readonly Tag[] | undefined): boolean {
  return tags?.some((tag) => tag.TagKey === suspendedTagKey) ?? false;
}

/**
 * Drives the key to what spec.suspended asks and returns it as it now is. `tags` are the key's
 * tags as just read. Writes nothing when the key already is as asked.
 */
export async function applyKeySuspension(
  context: SuspensionContext,
  spec: TenantKeySpec,
  key: KeyMetadata,
  tags: readonly Tag[] | undefined,
): Promise<KeyMetadata> {
  const marked = markedSuspended(tags);
  if (spec.suspended) return key.KeyState === 'Enabled' ? disable(context, spec, key, marked) : key;
  if (!marked) return key;
  return key.KeyState === 'Disabled' ? enable(context, spec, key) : unmark(context, key);
}

async function disable(context: SuspensionContext, spec: TenantKeySpec, key: KeyMetadata, marked: boolean): Promise<KeyMetadata> {
  const keyId = keyIdOf(key);
  if (!marked) {
    const tag = new TagResourceCommand({ KeyId: keyId, Tags: [{ TagKey: suspendedTagKey, TagValue: 'true' }] });
    await context.session.call(`marking key ${keyId} as disabled by the suspension`, (kms, options) => kms.send(tag, options));
    crashPoint(keySuspensionCrashPoints.afterTagSuspended);
  }
  await context.session.call(`disabling key ${keyId}`, (kms, options) => kms.send(new DisableKeyCommand({ KeyId: keyId }), options));
  crashPoint(keySuspensionCrashPoints.afterDisableKey);
  context.logger.info('Disabled key while the tenant is suspended', { tenant: spec.tenant, keyId });
  return { ...key, KeyState: 'Disabled', Enabled: false };
}

async function enable(context: SuspensionContext, spec: TenantKeySpec, key: KeyMetadata): Promise<KeyMetadata> {
  const keyId = keyIdOf(key);
  await context.session.call(`enabling key ${keyId}`, (kms, options) => kms.send(new EnableKeyCommand({ KeyId: keyId }), options));
  crashPoint(keySuspensionCrashPoints.afterEnableKey);
  context.logger.info('Enabled key: the tenant is resumed', { tenant: spec.tenant, keyId });
  return unmark(context, { ...key, KeyState: 'Enabled', Enabled: true });
}

/** Takes the suspension's tag off an enabled key (after EnableKey, or left by a suspension that crashed before DisableKey). */
async function unmark(context: SuspensionContext, key: KeyMetadata): Promise<KeyMetadata> {
  const keyId = keyIdOf(key);
  const untag = new UntagResourceCommand({ KeyId: keyId, TagKeys: [suspendedTagKey] });
  await context.session.call(`unmarking key ${keyId}`, (kms, options) => kms.send(untag, options));
  return key;
}
