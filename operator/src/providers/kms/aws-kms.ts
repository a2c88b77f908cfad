/**
 * AwsKmsProvider: each tenant's own symmetric KMS key in one region, behind the alias
 * `alias/bulkhead/<tenant>`, tagged with the tenant's name and UID, rotated yearly, and usable only
 * by the tenant's principal under its encryption context. On deletion the key is scheduled for
 * deletion (crypto-shredding) and the alias freed for a future tenant of the same name, who gets a
 * new key, never the old one. While the tenant is suspended its key is disabled (key-suspension.ts).
 * Every method is idempotent and converges after a crash at any point.
 * scheduleDeletion takes the leadership fence (key-deletion.ts); withSignal() gives a view whose
 * requests stop when a reconcile does.
 */
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  PutKeyPolicyCommand,
  UpdateAliasCommand,
  type KeyMetadata,
  type Tag,
} from '@aws-sdk/client-kms';
import type { LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import { crashPoint } from '../../runtime/crash-points.js';
import { KeyRequestRefused } from './errors.js';
import { keyDeletionCrashPoints, scheduleTenantKeysDeletion } from './key-deletion.js';
import { accountRootArn, buildKeyPolicy, partitionOf, samePolicy } from './key-policy.js';
import {
  describeAliasTarget,
  findTenantKeys,
  isPendingDeletion,
  keyIdOf,
  keyTags,
  tenantTagKey,
  tenantUidOfKey,
  tenantUidTagKey,
} from './key-lookup.js';
import { applyKeySuspension, keySuspensionCrashPoints } from './key-suspension.js';
import { KmsSession } from './kms-session.js';
import { assertValidKeySpec, assertValidPendingWindow } from './spec-validation.js';
import type {
  KeyDeletion,
  KmsEndpoint,
  KmsProviderOptions,
  TenantKey,
  TenantKeyDescription,
  TenantKeyProvider,
  TenantKeySpec,
} from './types.js';

export const kmsCrashPoints = {
  afterCreateKey: 'kms.after-create-key',
  afterCreateAlias: 'kms.after-create-alias',
  afterUpdateAlias: 'kms.after-update-alias',
  ...keyDeletionCrashPoints,
  ...keySuspensionCrashPoints,
} as const;

/** KMS reports rotation for Enabled and Disabled keys, and changes it for Enabled keys only. */
const rotationReadableStates = ['Enabled', 'Disabled'];

export class AwsKmsProvider implements TenantKeyProvider {
  readonly region: string;
  private readonly session: KmsSession;
  private readonly rootArn: string;
  private readonly logger: Logger;

  /** Opens a KMS client for the endpoint's region; `session` is for withSignal's views of it. */
  constructor(
    private readonly endpoint: KmsEndpoint,
    private readonly options: KmsProviderOptions,
    session?: KmsSession,
  ) {
    this.region = endpoint.region;
    this.session = session ?? KmsSession.open(endpoint, options);
    this.rootArn = accountRootArn(endpoint.accountId, endpoint.partition ?? partitionOf(endpoint.region));
    this.logger = options.logger;
  }

  /** Makes the tenant's key exist with its alias, tags, rotation and policy. */
  async ensureKey(spec: TenantKeySpec): Promise<TenantKey> {
    assertValidKeySpec(spec);
    const aliased = await describeAliasTarget(this.session, spec.alias);
    const aliasedTags = aliased !== undefined ? await this.liveTenantKeyTags(aliased, spec) : undefined;
    let key = aliasedTags !== undefined ? aliased : undefined;
    let tags = aliasedTags;
    let created = false;
    const repaired: string[] = [];
    if (key === undefined) {
      ({ key, created } = await this.adoptOrCreateKey(spec));
      await this.pointAliasAt(spec, key, aliased);
      if (!created) repaired.push('alias');
      tags = created ? [] : await keyTags(this.session, keyIdOf(key));
    }
    // Enabled again before rotation is looked at: KMS changes rotation on enabled keys only.
    key = await applyKeySuspension({ session: this.session, logger: this.logger }, spec, key, tags);
    // A new key got its policy from CreateKey; turning rotation on is part of creating it, not a repair.
    if (created) await this.applyRotation(spec, key);
    else repaired.push(...(await this.repairKey(spec, key)));
    return { keyId: keyIdOf(key), arn: key.Arn ?? '', alias: spec.alias, created, state: key.KeyState ?? 'Unknown', repaired };
  }

  /** The tenant's key as its alias finds it; undefined when the alias is gone or leads elsewhere. */
  async describe(spec: TenantKeySpec): Promise<TenantKeyDescription | undefined> {
    assertValidKeySpec(spec);
    const key = await describeAliasTarget(this.session, spec.alias);
    if (key === undefined || (await tenantUidOfKey(this.session, keyIdOf(key))) !== spec.tenantUid) return undefined;
    const rotation = rotationReadableStates.includes(key.KeyState ?? '') ? await this.rotationEnabled(key) : undefined;
    return {
      keyId: keyIdOf(key),
      arn: key.Arn ?? '',
      alias: spec.alias,
      state: key.KeyState ?? 'Unknown',
      rotation,
      deletionDate: key.DeletionDate,
    };
  }

  /**
   * Schedules every key tagged with the tenant's UID for deletion after `pendingWindowDays` (7 to
   * 30) and deletes the alias, freeing the name. Every key, not just the aliased one: a CreateKey
   * whose response was lost (and retried) may have left a second one. Keys already scheduled keep
   * their date. Reports the aliased key's deletion (else the oldest key's); undefined when the
   * tenant has no key.
   */
  async scheduleDeletion(spec: TenantKeySpec, pendingWindowDays: number, fence: LeadershipFence): Promise<KeyDeletion | undefined> {
    assertValidKeySpec(spec);
    assertValidPendingWindow(pendingWindowDays);
    const { deletions, reported } = await scheduleTenantKeysDeletion(this.session, { spec, pendingWindowDays, fence });
    if (reported !== undefined) {
      this.logger.info('Scheduled key deletion', {
        tenant: spec.tenant,
        keyIds: deletions.map((deletion) => deletion.keyId),
        deletionDate: reported.deletionDate.toISOString(),
      });
    }
    return reported;
  }

  /** The same client, with every request aborted when `signal` aborts; closing it leaves the client open. */
  withSignal(signal: AbortSignal): AwsKmsProvider {
    return new AwsKmsProvider(this.endpoint, this.options, this.session.withSignal(signal));
  }

  close(): void {
    this.session.close();
  }

  /** The tags of a key the alias leads to when it is this tenant's and not on its way out; else undefined. */
  private async liveTenantKeyTags(key: KeyMetadata, spec: TenantKeySpec): Promise<Tag[] | undefined> {
    if (isPendingDeletion(key)) return undefined;
    const tags = await keyTags(this.session, keyIdOf(key));
    return tags?.some((tag) => tag.TagKey === tenantUidTagKey && tag.TagValue === spec.tenantUid) ? tags : undefined;
  }

  /** A live key tagged with the tenant's UID (left by a call that crashed before aliasing it), or a new one. */
  private async adoptOrCreateKey(spec: TenantKeySpec): Promise<{ key: KeyMetadata; created: boolean }> {
    const orphan = (await findTenantKeys(this.session, spec.tenantUid)).find((candidate) => !isPendingDeletion(candidate));
    if (orphan !== undefined) {
      this.logger.info("Adopted the tenant's key found by its UID tag", { tenant: spec.tenant, keyId: orphan.KeyId });
      return { key: orphan, created: false };
    }
    const response = await this.session.call(`creating the key of tenant ${spec.tenant}`, (kms, options) =>
      kms.send(
        new CreateKeyCommand({
          KeySpec: 'SYMMETRIC_DEFAULT',
          KeyUsage: 'ENCRYPT_DECRYPT',
          Description: `Bulkhead: encryption key of tenant ${spec.tenant}`,
          Policy: buildKeyPolicy(spec, this.rootArn),
          Tags: [
            { TagKey: tenantTagKey, TagValue: spec.tenant },
            { TagKey: tenantUidTagKey, TagValue: spec.tenantUid },
          ],
        }),
        options,
      ),
    );
    crashPoint(kmsCrashPoints.afterCreateKey);
    if (response.KeyMetadata === undefined) throw new KeyRequestRefused(`creating the key of tenant ${spec.tenant}: KMS returned no key`);
    this.logger.info('Created key', { tenant: spec.tenant, keyId: response.KeyMetadata.KeyId });
    return { key: response.KeyMetadata, created: true };
  }

  /** Points the alias at the key: moves it off a former tenant's key, or creates it. */
  private async pointAliasAt(spec: TenantKeySpec, key: KeyMetadata, aliased: KeyMetadata | undefined): Promise<void> {
    const target = { AliasName: spec.alias, TargetKeyId: keyIdOf(key) };
    if (aliased !== undefined) {
      await this.session.call(`moving alias ${spec.alias}`, (kms, options) => kms.send(new UpdateAliasCommand(target), options));
      crashPoint(kmsCrashPoints.afterUpdateAlias);
      this.logger.info("Moved key alias off a key that is not the tenant's", {
        tenant: spec.tenant,
        alias: spec.alias,
        from: aliased.KeyId,
        to: key.KeyId,
      });
      return;
    }
    await this.session.call(`creating alias ${spec.alias}`, (kms, options) => kms.send(new CreateAliasCommand(target), options));
    crashPoint(kmsCrashPoints.afterCreateAlias);
    this.logger.info('Created key alias', { tenant: spec.tenant, alias: spec.alias, keyId: key.KeyId });
  }

  /** Puts rotation and the key policy back as the spec says; reads only when nothing drifted. */
  private async repairKey(spec: TenantKeySpec, key: KeyMetadata): Promise<string[]> {
    const repaired: string[] = [];
    if (await this.applyRotation(spec, key)) repaired.push('key rotation');
    if (await this.repairPolicy(spec, key)) repaired.push('key policy');
    if (repaired.length > 0) this.logger.info('Restored key settings', { tenant: spec.tenant, keyId: key.KeyId, repaired });
    return repaired;
  }

  /** Turns rotation on or off as the spec says; true when it had to. */
  private async applyRotation(spec: TenantKeySpec, key: KeyMetadata): Promise<boolean> {
    if (key.KeyState !== 'Enabled' || (await this.rotationEnabled(key)) === spec.rotation) return false;
    const keyId = keyIdOf(key);
    const command = spec.rotation ? new EnableKeyRotationCommand({ KeyId: keyId }) : new DisableKeyRotationCommand({ KeyId: keyId });
    await this.session.call(`turning rotation ${spec.rotation ? 'on' : 'off'} for key ${keyId}`, (kms, options) =>
      kms.send(command, options),
    );
    return true;
  }

  /** Puts the key policy back when someone changed it (or the principal template changed); true when it had to. */
  private async repairPolicy(spec: TenantKeySpec, key: KeyMetadata): Promise<boolean> {
    const keyId = keyIdOf(key);
    const desired = buildKeyPolicy(spec, this.rootArn);
    const actual = await this.session.call(`reading the policy of key ${keyId}`, (kms, options) =>
      kms.send(new GetKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default' }), options),
    );
    if (samePolicy(actual.Policy, desired)) return false;
    await this.session.call(`restoring the policy of key ${keyId}`, (kms, options) =>
      kms.send(new PutKeyPolicyCommand({ KeyId: keyId, PolicyName: 'default', Policy: desired }), options),
    );
    return true;
  }

  private async rotationEnabled(key: KeyMetadata): Promise<boolean> {
    const keyId = keyIdOf(key);
    const status = await this.session.call(`reading the rotation of key ${keyId}`, (kms, options) =>
      kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }), options),
    );
    return status.KeyRotationEnabled === true;
  }
}
