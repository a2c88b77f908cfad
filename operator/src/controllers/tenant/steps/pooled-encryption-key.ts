/**
 * Step, pooled key tier (docs/decisions/0049): a tenant whose plan says `isolation.key: Shared`
 * gets no key of its own but its region's pool key, a grant for its workload identity to Decrypt
 * under `{tenant: <name>}`, and a data key wrapped under the pool key with that context. The
 * wrapped data key is kept in the tenant's encryption-key ConfigMap, beside the key reference the
 * app already reads there (KMS_DATA_KEY, KMS_DATA_KEY_CONTEXT). A tenant with a key of its own, or
 * on its way to one, is never moved onto the pool key: a plan asking for that is refused, nothing
 * created (promotion the other way is key-promotion.ts).
 */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { encryptionKeyConfigMapName, keyAlias, namespaceName } from '../../../api/names.js';
import type { TenantPlan } from '../../../api/tenant-plan.js';
import type { Tenant } from '../../../api/tenant.js';
import type { KubeClient } from '../../../kube/client.js';
import { partitionOf } from '../../../providers/kms/key-policy.js';
import { tenantPrincipal } from '../../../providers/kms/principal.js';
import type { DataKeyStore, WrappedDataKey } from '../../../providers/kms/pool/index.js';
import { poolKeyAlias } from '../../../providers/kms/pool/names.js';
import { buildEncryptionConfigMap, dataKeyConfigKeys } from '../../../resources/tenant-credentials.js';
import type { LeadershipFence } from '../../../runtime/fence.js';
import type { KubeObject } from '../../../runtime/types.js';
import { outcomeFor, type StepContext, type StepOutcome } from '../context.js';
import { inputsDigest, trustedOutcome } from '../provider-trust.js';
import { failure } from './encryption-key.js';

const outcome = outcomeFor(ConditionType.EncryptionKeyReady);

interface ConfigMapObject extends KubeObject {
  data?: Record<string, string>;
}

export function usesPooledKey(plan: Pick<TenantPlan, 'spec'>): boolean {
  return plan.spec.isolation?.key === 'Shared';
}

/** Whether the tenant's status records its region's pool key (so teardown and the audit treat it as pooled). */
export function recordsPoolKey(tenant: Pick<Tenant, 'spec' | 'status'>): boolean {
  return tenant.status?.encryption?.alias === poolKeyAlias(tenant.spec.region);
}

type PooledTenant = Pick<Tenant, 'spec'> & { metadata: Tenant['metadata'] & { uid: string } };

interface StoreScope {
  client: KubeClient;
  tenant: Pick<Tenant, 'metadata' | 'spec'>;
  /** The KMS endpoint the app must use, when not AWS's own. */
  endpoint?: string;
  /** Writes the ConfigMap (the step's owned-object apply); a store without it cannot write. */
  ensure?: (object: KubeObject) => Promise<unknown>;
  /** Deleting the wrapped data key is destructive: it passes the fence. */
  fence?: LeadershipFence;
}

/**
 * The tenant's wrapped data key in its encryption-key ConfigMap. Read with a GET (the step reads
 * it back before generating, so a stale cache must not make a second key); written as the whole
 * ConfigMap, the pool key's reference with it; deleted with the ConfigMap.
 */
export function configMapDataKeyStore(scope: StoreScope): DataKeyStore {
  const { tenant } = scope;
  const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: encryptionKeyConfigMapName(tenant), namespace: namespaceName(tenant) };
  return {
    async read() {
      const live = await scope.client.get<ConfigMapObject>(ref);
      return wrappedDataKeyOf(live);
    },
    async write(key) {
      const uid = tenant.metadata.uid;
      if (!scope.ensure || !uid) throw new Error(`the data key store of tenant ${tenant.metadata.name} is read-only here`);
      await scope.ensure(poolKeyConfigMap({ spec: tenant.spec, metadata: { ...tenant.metadata, uid } }, key, scope.endpoint));
    },
    async delete() {
      if (!scope.fence) throw new Error(`deleting the data key of tenant ${tenant.metadata.name} needs the leadership fence`);
      await scope.client.delete(ref, { fence: scope.fence });
    },
  };
}

function wrappedDataKeyOf(configMap: ConfigMapObject | undefined): WrappedDataKey | undefined {
  const data = configMap?.data ?? {};
  const ciphertext = data[dataKeyConfigKeys.ciphertext];
  const context = data[dataKeyConfigKeys.context];
  if (!ciphertext || !context || !data.KMS_KEY_ARN) return undefined;
  return { wrappingKeyArn: data.KMS_KEY_ARN, ciphertext, context: JSON.parse(context) as Record<string, string> };
}

/** The ConfigMap of a pooled-key tenant: the pool key's reference and the tenant's wrapped data key. */
function poolKeyConfigMap(tenant: PooledTenant, key: WrappedDataKey, endpoint: string | undefined): KubeObject {
  const region = tenant.spec.region;
  return buildEncryptionConfigMap(
    tenant.metadata,
    { name: encryptionKeyConfigMapName(tenant), namespace: namespaceName(tenant) },
    {
      keyId: key.wrappingKeyArn.split('/').pop() ?? key.wrappingKeyArn,
      arn: key.wrappingKeyArn,
      alias: poolKeyAlias(region),
      region,
      ...(endpoint ? { endpoint } : {}),
      dataKey: { ciphertext: key.ciphertext, context: key.context },
    },
  );
}

/**
 * A refusal when a plan whose key is Shared would move a tenant off a key of its own (demotion is
 * not built) or turn back a key promotion under way (its data key may already be wrapped under its
 * own key, and its pool grant gone); undefined when the step may go on. The other way, from the
 * pool key to a key of its own, is a promotion (key-promotion.ts, decision 0052).
 */
export function keyTierRefusal({ tenant, plan }: Pick<StepContext, 'tenant' | 'plan'>): StepOutcome | undefined {
  if (!usesPooledKey(plan)) return undefined;
  const recorded = tenant.status?.encryption;
  const name = tenant.metadata.name;
  if (recorded?.promotion !== undefined) {
    return outcome(
      'False',
      Reason.TierChangeNotSupported,
      `tenant ${name} is being promoted to a key of its own (step ${recorded.promotion.step}), but spec.plan ${plan.metadata.name} ` +
        'has spec.isolation.key Shared: a key promotion cannot be turned back, so nothing was moved; put the tenant on a plan whose ' +
        'isolation.key is Dedicated so it can finish',
    );
  }
  if (recorded?.alias === keyAlias(tenant)) {
    return outcome(
      'False',
      Reason.TierChangeNotSupported,
      `tenant ${name} has key ${recorded.alias} of its own, but spec.plan ${plan.metadata.name} has spec.isolation.key Shared: ` +
        'demotion onto the pool key is not supported, so nothing was created or moved; put the tenant back on a plan whose ' +
        'isolation.key is Dedicated',
    );
  }
  return undefined;
}

/** The pool key tier's half of the encryption-key step (encryption-key.ts decides which tier). */
export async function ensurePooledEncryptionKey(
  context: StepContext,
  settings: { accountId: string; endpoint?: string },
): Promise<StepOutcome> {
  const refused = keyTierRefusal(context);
  if (refused) return refused;
  const { tenant } = context;
  const region = tenant.spec.region;
  // Reported on failure too: a tenant deleted before it was ready still has its grant revoked.
  const report = { encryption: { alias: poolKeyAlias(region) } };
  try {
    const variables = { tenant: tenant.metadata.name, accountId: settings.accountId, partition: partitionOf(region) };
    const grant = {
      tenant: tenant.metadata.name,
      tenantUid: tenant.metadata.uid,
      principal: tenantPrincipal(context.config.encryption.principalTemplate, variables),
    };
    const inputs = inputsDigest({ grant, alias: poolKeyAlias(region), region, accountId: settings.accountId, endpoint: settings.endpoint });
    const trusted = await trustedPoolKey(context, inputs, settings.endpoint);
    if (trusted) return trusted;
    const provider = await context.providers.pooledKms?.(region);
    if (!provider) return outcome('False', Reason.KeyProviderFailed, `region ${region} has no pool key provider`, report);
    const ensure = (object: KubeObject) => context.owned.ensure(object, context.logger);
    const store = configMapDataKeyStore({ client: context.client, tenant, endpoint: settings.endpoint, ensure });
    const pooled = await provider.ensureTenant(grant, store, context.fence);
    // Again on every pass: puts back a ConfigMap someone edited (the store only writes a new key).
    await ensure(poolKeyConfigMap(tenant, pooled.dataKey, settings.endpoint));
    const { keyId, arn, alias } = pooled.poolKey;
    // Suspension cannot disable a key the other tenants use; revoking the grant on suspend is not built.
    const suspended = tenant.spec.suspended ? 'suspended, its grant kept (a shared key is not disabled): ' : '';
    return outcome(
      'True',
      tenant.spec.suspended ? Reason.Suspended : Reason.Reconciled,
      `${suspended}shares pool key ${keyId} (${alias}) in ${region} with the region's other pooled tenants (pooled tier): its grant ${pooled.grantId} ` +
        `opens only its own data key, under context tenant=${tenant.metadata.name}; wrapped data key in ConfigMap ${encryptionKeyConfigMapName(tenant)}`,
      { encryption: { keyId, keyArn: arn, alias, inputsDigest: inputs } },
    );
  } catch (error) {
    return { ...failure(error), report };
  }
}

/**
 * On the restart pass, the pool key, grant and data key as the status recorded them
 * (provider-trust.ts, docs/decisions/0037): KMS is not asked. The data key is read from the cached
 * ConfigMap, which is compared and repaired as on every pass; a cache without it (the ConfigMap
 * deleted or emptied, or wrapped under another key) is no ground for trust, and the provider is asked.
 */
async function trustedPoolKey(context: StepContext, inputs: string, endpoint: string | undefined): Promise<StepOutcome | undefined> {
  const { tenant } = context;
  const recorded = tenant.status?.encryption;
  if (!recorded?.keyId || !recorded.keyArn || recorded.alias !== poolKeyAlias(tenant.spec.region)) return undefined;
  const { keyId, keyArn, alias } = recorded;
  const trusted = trustedOutcome(
    context,
    ConditionType.EncryptionKeyReady,
    { recorded: recorded.inputsDigest, inputs },
    { encryption: { keyId, keyArn, alias, inputsDigest: inputs } },
  );
  if (!trusted) return undefined;
  const cached = context.owned.cached('ConfigMap', `${namespaceName(tenant)}/${encryptionKeyConfigMapName(tenant)}`);
  const dataKey = wrappedDataKeyOf(cached);
  if (dataKey?.wrappingKeyArn !== keyArn || dataKey.context.tenant !== tenant.metadata.name) return undefined;
  await context.owned.ensure(poolKeyConfigMap(tenant, dataKey, endpoint), context.logger);
  return trusted;
}
