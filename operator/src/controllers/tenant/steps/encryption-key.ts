/**
 * Step: the tenant's own KMS key in its region (alias alias/bulkhead/<tenant>, tagged with the
 * tenant's name and UID, rotating, usable only by the tenant's workload identity with the tenant's
 * encryption context), and the ConfigMap that tells the app which key is its own. Disabled while
 * the tenant is suspended, enabled again on resume. A tenant on its region's pool key whose plan now
 * says Dedicated is promoted first (key-promotion.ts); the other way is refused (pooled-encryption-key.ts).
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { encryptionKeyConfigMapName, keyAlias } from '../../../api/names.js';
import { KeyProviderThrottled, KeyProviderUnavailable, KeyRequestRefused } from '../../../providers/kms/errors.js';
import type { TenantKeySpec } from '../../../providers/kms/index.js';
import { partitionOf } from '../../../providers/kms/key-policy.js';
import { tenantPrincipal } from '../../../providers/kms/principal.js';
import { buildEncryptionConfigMap } from '../../../resources/tenant-credentials.js';
import { errorMessage } from '../../../runtime/errors.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { inputsDigest, trustedOutcome } from '../provider-trust.js';
import { keyPromotionUnderWay, promoteKey } from './key-promotion.js';
import { ensurePooledEncryptionKey, usesPooledKey } from './pooled-encryption-key.js';

const outcome = outcomeFor(ConditionType.EncryptionKeyReady);

export function keySpec(context: StepContext, accountId: string): TenantKeySpec {
  const { tenant, config } = context;
  const variables = { tenant: tenant.metadata.name, accountId, partition: partitionOf(tenant.spec.region) };
  return {
    tenant: tenant.metadata.name,
    tenantUid: tenant.metadata.uid,
    alias: keyAlias(tenant),
    principal: tenantPrincipal(config.encryption.principalTemplate, variables),
    ...(config.backups ? { backupPrincipal: tenantPrincipal(config.backups.operatorPrincipalTemplate, variables) } : {}),
    rotation: tenant.spec.encryption?.keyRotation ?? true,
    suspended: tenant.spec.suspended,
  };
}

/** The provider's failures as outcomes: its own reason when it gave one, else KeyProviderFailed, never ApplyFailed. */
export function failure(error: unknown): StepOutcome {
  // Retried when the region's pacer has a turn, not on the queue's backoff, which starts at 5 ms.
  if (error instanceof KeyProviderThrottled)
    return { ...outcome('False', Reason.KeyProviderThrottled, error.message), retryAfterMs: error.retryAfterMs };
  if (error instanceof KeyProviderUnavailable) return outcome('False', Reason.KeyProviderUnavailable, error.message);
  if (error instanceof KeyRequestRefused) return outcome('False', Reason.KeyRequestRefused, error.message);
  // Anything else (its credentials Secret, a principal template that gives no ARN) is a KMS fault too.
  return outcome('False', Reason.KeyProviderFailed, errorMessage(error));
}

export async function ensureEncryptionKey(context: StepContext): Promise<StepOutcome> {
  const region = context.tenant.spec.region;
  const settings = context.providers.settings(region);
  if (!settings) return outcome('False', Reason.RegionNotConfigured, `region ${region} has no KMS configured; no key was created`);
  // The pooled tier (decision 0049): the region's pool key, a grant and a wrapped data key instead of a key of its own.
  if (usesPooledKey(context.plan)) return ensurePooledEncryptionKey(context, settings.kms);
  // From the pool key to a key of its own (decision 0052), then this tier's ensure says Ready.
  if (keyPromotionUnderWay(context)) return promoteKey(context, settings.kms, () => ensureOwnKey(context, settings.kms));
  return ensureOwnKey(context, settings.kms);
}

/** The dedicated tier: the tenant's own key and the ConfigMap naming it (with a data key a promotion moved onto it). */
async function ensureOwnKey(context: StepContext, settings: { accountId: string; endpoint?: string }): Promise<StepOutcome> {
  const region = context.tenant.spec.region;
  let spec, key;
  try {
    spec = keySpec(context, settings.accountId);
  } catch (error) {
    return failure(error);
  }
  const inputs = inputsDigest({ spec, region, accountId: settings.accountId, endpoint: settings.endpoint });
  // Outside the provider's try: a refused ConfigMap write is kube-apiserver's (ApplyFailed), not KMS's.
  const trusted = await trustedKey(context, inputs, settings.endpoint);
  if (trusted) return trusted;
  try {
    key = await (await context.providers.kms(region)).ensureKey(spec);
  } catch (error) {
    return failure(error);
  }
  if (key.created) context.logger.info('Created KMS key', { keyId: key.keyId, alias: key.alias, region });
  const dataKey = recordedDataKey(context);
  await ensureKeyConfigMap(context, key, settings.endpoint, dataKey);
  const report = {
    encryption: { keyId: key.keyId, keyArn: key.arn, alias: key.alias, inputsDigest: inputs, ...(dataKey ? { dataKey } : {}) },
  };
  if (spec.suspended)
    return outcome('True', Reason.Suspended, `suspended: key ${key.keyId} (${key.alias}) in ${region} is ${key.state}`, report);
  return outcome(
    'True',
    Reason.Reconciled,
    `key ${key.keyId} (${key.alias}) in ${region}, rotation ${spec.rotation ? 'on' : 'off'}${dataKey ? ', with the data key a promotion re-wrapped under it' : ''}`,
    report,
  );
}

type DataKey = NonNullable<NonNullable<NonNullable<StepContext['tenant']['status']>['encryption']>['dataKey']>;

/**
 * The data key a promotion from the pool re-wrapped under the tenant's key (decision 0052): status
 * records it, so the ConfigMap is put back with it whatever happens to the ConfigMap.
 */
function recordedDataKey(context: StepContext): DataKey | undefined {
  return context.tenant.status?.encryption?.dataKey;
}

/**
 * On the restart pass, the key as the status recorded it (provider-trust.ts); its ConfigMap is
 * still compared with the cache and repaired, which costs KMS nothing.
 */
async function trustedKey(context: StepContext, inputs: string, endpoint: string | undefined): Promise<StepOutcome | undefined> {
  const recorded = context.tenant.status?.encryption;
  if (!recorded?.keyId || !recorded.keyArn || !recorded.alias) return undefined;
  const { keyId, keyArn, alias, dataKey } = recorded;
  const trusted = trustedOutcome(
    context,
    ConditionType.EncryptionKeyReady,
    { recorded: recorded.inputsDigest, inputs },
    { encryption: { keyId, keyArn, alias, inputsDigest: inputs, ...(dataKey ? { dataKey } : {}) } },
  );
  if (trusted) await ensureKeyConfigMap(context, { keyId, arn: keyArn, alias }, endpoint, dataKey);
  return trusted;
}

/** The ConfigMap that tells the app which key is its own, and holds a data key wrapped under it when it has one. */
export async function ensureKeyConfigMap(
  context: StepContext,
  key: { keyId: string; arn: string; alias: string },
  endpoint: string | undefined,
  dataKey?: DataKey,
): Promise<void> {
  const { tenant, namespace } = context;
  await context.owned.ensure(
    buildEncryptionConfigMap(
      tenant.metadata,
      { name: encryptionKeyConfigMapName(tenant), namespace },
      {
        keyId: key.keyId,
        arn: key.arn,
        alias: key.alias,
        region: tenant.spec.region,
        ...(endpoint ? { endpoint } : {}),
        ...(dataKey ? { dataKey } : {}),
      },
    ),
    context.logger,
  );
}
