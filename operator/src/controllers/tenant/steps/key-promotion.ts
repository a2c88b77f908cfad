/**
 * Step, key promotion (docs/decisions/0052): a tenant on its region's pool key whose plan now says
 * `isolation.key: Dedicated` gets a key of its own, its data key re-wrapped there with ReEncrypt
 * and its pool grant revoked, one step per reconcile, each recorded in status.encryption.promotion
 * before the next begins. The first reconcile only records that the promotion began, so that a
 * deletion at any later moment knows a key of the tenant's own may exist and schedules it for
 * deletion. Every step looks before it acts and may run twice; a kill -9 anywhere repeats at most
 * the step it was in. The grant goes only once the encryption-key ConfigMap names the tenant's own
 * key and holds the re-wrapped data key, so its app can open its data key at every moment.
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { encryptionKeyConfigMapName } from '../../../api/names.js';
import { keyPromotionSteps, type KeyPromotion, type KeyPromotionStep } from '../../../api/tenant.js';
import type { TenantKeySpec } from '../../../providers/kms/index.js';
import type { DataKeyStore, WrappedDataKey } from '../../../providers/kms/pool/index.js';
import { lazyModule } from '../../../runtime/lazy-module.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { ensureKeyConfigMap, failure, keySpec } from './encryption-key.js';
import { configMapDataKeyStore, recordsPoolKey, usesPooledKey } from './pooled-encryption-key.js';

const outcome = outcomeFor(ConditionType.EncryptionKeyReady);

/** ReEncrypt and the grant's revocation (the KMS SDK) are loaded by the first promotion that reaches them (docs/decisions/0065). */
const promotionCode = lazyModule(() => import('../../../providers/kms/pool/promotion.js'));

type KmsSettings = { accountId: string; endpoint?: string };

/** Whether the tenant is on its way from the pool key to a key of its own, or must start on it. */
export function keyPromotionUnderWay({ tenant, plan }: Pick<StepContext, 'tenant' | 'plan'>): boolean {
  return tenant.status?.encryption?.promotion !== undefined || (!usesPooledKey(plan) && recordsPoolKey(tenant));
}

/** What one step did: the promotion as it stands after it (undefined once finished), in words, and the data key it moved. */
interface StepResult {
  next?: KeyPromotion;
  done: string;
  dataKey?: WrappedDataKey;
}

type Runner = (context: StepContext, settings: KmsSettings, current: KeyPromotion) => Promise<StepResult>;

/**
 * Runs the recorded step of the key promotion (records its start, if none is) and reports where
 * the tenant now is; `finish` is the dedicated tier's own key step, which says Ready once the last
 * step is done, in the same reconcile.
 */
export async function promoteKey(context: StepContext, settings: KmsSettings, finish: () => Promise<StepOutcome>): Promise<StepOutcome> {
  const current = context.tenant.status?.encryption?.promotion;
  const result = current === undefined ? begin(context) : await runStep(context, settings, current);
  if ('failed' in result) return result.failed;
  await recordStepDone(context, current, result);
  if (result.next === undefined) return finish();
  return outcome('False', Reason.Promoting, progressMessage(result.next, result.done), {
    encryption: recordedAfter(context, result.next, result.dataKey),
  });
}

async function recordStepDone(context: StepContext, current: KeyPromotion | undefined, result: StepResult): Promise<void> {
  await context.events?.record(context.tenant, 'Normal', 'Promotion', result.done).catch(() => undefined);
  context.logger.info('Key promotion step done', { step: current?.step ?? 'begun', next: result.next?.step ?? 'finished' });
}

/** The pool key stays recorded until the end (teardown and the audit treat the tenant as pooled till then), the promotion beside it. */
function recordedAfter(context: StepContext, next: KeyPromotion, moved: WrappedDataKey | undefined) {
  const dataKey = moved && { dataKey: { ciphertext: moved.ciphertext, context: moved.context } };
  return { ...context.tenant.status?.encryption, ...dataKey, promotion: next };
}

/** `step N of 3 (Step)` and what the step before it did. */
export function progressMessage(next: KeyPromotion, done: string): string {
  const position = keyPromotionSteps.indexOf(next.step) + 1;
  return `promoting to a key of its own, step ${position} of ${keyPromotionSteps.length} (${next.step}) next: ${done}`;
}

function begin(context: StepContext): StepResult {
  return {
    next: { step: 'CreatingKey', startedAt: new Date().toISOString() },
    done: `promotion from the pool key begun: plan ${context.plan.metadata.name} sets isolation.key Dedicated`,
  };
}

/** The recorded step; a provider's failure leaves the promotion where it was, to be tried again. */
async function runStep(context: StepContext, settings: KmsSettings, current: KeyPromotion): Promise<StepResult | { failed: StepOutcome }> {
  try {
    return await runners[current.step](context, settings, current);
  } catch (error) {
    const failed = failure(error);
    return { failed: { ...failed, message: `promotion to a key of its own, step ${current.step}: ${failed.message}` } };
  }
}

/**
 * The tenant's key as the dedicated tier derives it, enabled while the data key is moved onto it
 * even if the tenant is suspended (ReEncrypt cannot wrap under a disabled key); the dedicated
 * step disables it once the promotion is done.
 */
function promotionKeySpec(context: StepContext, settings: KmsSettings): TenantKeySpec {
  return { ...keySpec(context, settings.accountId), suspended: false };
}

async function poolProvider(context: StepContext) {
  const provider = await context.providers.pooledKms?.(context.tenant.spec.region);
  if (!provider) throw new Error(`region ${context.tenant.spec.region} has no pool key provider`);
  return provider;
}

const createKey: Runner = async (context, settings, current) => {
  const key = await (await context.providers.kms(context.tenant.spec.region)).ensureKey(promotionKeySpec(context, settings));
  const did = key.created ? 'created' : 'found';
  return {
    next: { ...current, step: 'ReWrapping', keyId: key.keyId, keyArn: key.arn },
    done: `${did} key ${key.keyId} (${key.alias}) of its own`,
  };
};

/**
 * The data key moved onto the tenant's key; the ConfigMap the app reads names that key from the
 * moment it holds the re-wrapped data key (the store's write).
 */
const reWrap: Runner = async (context, settings, current) => {
  const spec = promotionKeySpec(context, settings);
  const key = await recordedOrEnsuredKey(context, spec, current);
  const pool = await poolProvider(context);
  const store = ownKeyStore(context, key, settings.endpoint);
  const { reWrapDataKey } = await promotionCode();
  const { dataKey, reWrapped } = await reWrapDataKey({ pool, spec, store, fence: context.fence }, key);
  const configMap = encryptionKeyConfigMapName(context.tenant);
  const done =
    dataKey === undefined
      ? `no data key was kept in ConfigMap ${configMap}, so none was re-wrapped`
      : reWrapped
        ? `re-wrapped the data key under key ${key.keyId} with ReEncrypt (the plaintext never left KMS); ConfigMap ${configMap} names that key`
        : `the data key in ConfigMap ${configMap} was already wrapped under key ${key.keyId}`;
  return { next: { ...current, step: 'RevokingPoolGrant' }, done, ...(dataKey ? { dataKey } : {}) };
};

const revokeGrant: Runner = async (context, settings) => {
  const spec = promotionKeySpec(context, settings);
  const { revokePoolGrant } = await promotionCode();
  const revoked = await revokePoolGrant({ pool: await poolProvider(context), spec, fence: context.fence });
  return { done: `promoted: revoked ${revoked.length} grant(s) of the tenant on its region's pool key; key ${spec.alias} is its own` };
};

const runners: Record<KeyPromotionStep, Runner> = {
  CreatingKey: createKey,
  ReWrapping: reWrap,
  RevokingPoolGrant: revokeGrant,
};

async function recordedOrEnsuredKey(context: StepContext, spec: TenantKeySpec, current: KeyPromotion) {
  if (current.keyId !== undefined && current.keyArn !== undefined) return { keyId: current.keyId, arn: current.keyArn, alias: spec.alias };
  return (await context.providers.kms(context.tenant.spec.region)).ensureKey(spec);
}

/**
 * The data key store of the promotion: read as the pooled tier reads it (a GET of the ConfigMap),
 * written as the dedicated tier's ConfigMap naming the tenant's own key, with the data key.
 */
function ownKeyStore(context: StepContext, key: { keyId: string; arn: string; alias: string }, endpoint?: string): DataKeyStore {
  const pooled = configMapDataKeyStore({ client: context.client, tenant: context.tenant });
  return {
    read: () => pooled.read(),
    write: (dataKey) => ensureKeyConfigMap(context, key, endpoint, { ciphertext: dataKey.ciphertext, context: dataKey.context }),
    delete: () => Promise.reject(new Error('a promotion never deletes the data key')),
  };
}
