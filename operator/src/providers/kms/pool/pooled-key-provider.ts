/**
 * PooledKeyProvider: what a tenant whose plan says `isolation.key: Shared` gets instead of a key
 * of its own. Its region's pool key (pool-key.ts), a grant for its workload identity to Decrypt
 * under its own context (grants.ts), and a data key wrapped under the pool key with that context
 * (data-keys.ts). On deletion the grant is revoked and the wrapped data key deleted; the pool key
 * lives on for the other tenants, which is why this shreds less than a dedicated key's deletion
 * (docs/decisions/0049). Promotion to a key of the tenant's own is promotion.ts.
 */
import type { LeadershipFence } from '../../../runtime/fence.js';
import type { Logger } from '../../../runtime/logging.js';
import { accountRootArn, partitionOf } from '../key-policy.js';
import { describeAliasTarget, keyIdOf } from '../key-lookup.js';
import { KmsSession } from '../kms-session.js';
import type { KmsEndpoint, KmsProviderOptions } from '../types.js';
import { ensureWrappedDataKey, type DataKeyStore, type WrappedDataKey } from './data-keys.js';
import { ensureTenantGrant, revokeTenantGrants, type TenantGrantSpec } from './grants.js';
import { poolKeyAlias } from './names.js';
import { ensurePoolKey, type PoolKey } from './pool-key.js';

export interface PooledTenantKey {
  poolKey: PoolKey;
  grantId: string;
  dataKey: WrappedDataKey;
  /** Whether this call created the grant, and the data key. */
  created: { grant: boolean; dataKey: boolean };
}

export class PooledKeyProvider {
  readonly region: string;
  readonly rootArn: string;
  private readonly logger: Logger;

  /**
   * @param operatorPrincipal the operator's own identity: the pool key's policy lets it grant and
   *   wrap, never decrypt.
   */
  constructor(
    private readonly endpoint: KmsEndpoint,
    private readonly options: KmsProviderOptions & { operatorPrincipal: string },
    private readonly session: KmsSession = KmsSession.open(endpoint, options),
  ) {
    this.region = endpoint.region;
    this.rootArn = accountRootArn(endpoint.accountId, endpoint.partition ?? partitionOf(endpoint.region));
    this.logger = options.logger;
  }

  /** The region's pool key, created on first use, its rotation and policy put back when they drifted. */
  async ensurePoolKey(): Promise<PoolKey> {
    return ensurePoolKey({
      session: this.session,
      logger: this.logger,
      rootArn: this.rootArn,
      inputs: { region: this.region, operatorPrincipal: this.options.operatorPrincipal },
    });
  }

  /**
   * The tenant's grant and wrapped data key. The fence is for revoking a stray grant of the
   * tenant's name; creating never needs it.
   */
  async ensureTenant(spec: TenantGrantSpec, store: DataKeyStore, fence: LeadershipFence): Promise<PooledTenantKey> {
    const poolKey = await this.ensurePoolKey();
    const grant = await ensureTenantGrant(this.session, poolKey.keyId, spec, fence);
    if (grant.created) this.logger.info('Granted tenant its data key on the pool key', { tenant: spec.tenant, keyId: poolKey.keyId });
    const dataKey = await ensureWrappedDataKey(this.session, { tenant: spec.tenant, keyArn: poolKey.arn, store });
    if (dataKey.created) this.logger.info('Wrapped data key under the pool key', { tenant: spec.tenant, keyId: poolKey.keyId });
    return { poolKey, grantId: grant.grantId, dataKey: dataKey.key, created: { grant: grant.created, dataKey: dataKey.created } };
  }

  /**
   * Offboarding: the grant first (from then on the tenant's principal cannot open any copy of the
   * ciphertext), then the wrapped data key. Idempotent. The pool key itself is never deleted here.
   */
  async releaseTenant(tenant: string, store: DataKeyStore, fence: LeadershipFence): Promise<{ revokedGrantIds: string[] }> {
    const poolKeyId = await this.existingPoolKeyId();
    const revokedGrantIds = poolKeyId === undefined ? [] : await revokeTenantGrants(this.session, poolKeyId, tenant, fence);
    await store.delete();
    this.logger.info("Revoked the tenant's pool grant and deleted its wrapped data key", { tenant, grants: revokedGrantIds.length });
    return { revokedGrantIds };
  }

  /** The pool key's id, read only: deletion and promotion never create a pool key. Undefined when the region has none. */
  async existingPoolKeyId(): Promise<string | undefined> {
    return (await this.existingPoolKey())?.keyId;
  }

  /** The pool key's id and ARN, read only; undefined when the region has none. */
  async existingPoolKey(): Promise<{ keyId: string; arn: string } | undefined> {
    const key = await describeAliasTarget(this.session, poolKeyAlias(this.region));
    return key === undefined ? undefined : { keyId: keyIdOf(key), arn: key.Arn ?? '' };
  }

  get operatorPrincipal(): string {
    return this.options.operatorPrincipal;
  }

  /** The session, for promotion.ts (same client, pacer and signal). */
  get kmsSession(): KmsSession {
    return this.session;
  }

  withSignal(signal: AbortSignal): PooledKeyProvider {
    return new PooledKeyProvider(this.endpoint, this.options, this.session.withSignal(signal));
  }

  close(): void {
    this.session.close();
  }
}
