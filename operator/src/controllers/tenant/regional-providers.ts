/**
 * The database and KMS providers of each configured region, built on first use. Admin and KMS
 * credentials are read from the Secrets the configuration names, never from the configuration
 * file itself, and never logged. A reconcile uses them through withSignal(), so that its calls
 * stop when it does (and so when leadership is lost).
 */
import type { OperatorConfig } from '../../api/operator-config.js';
import type { KubeClient } from '../../kube/client.js';
import type { TenantBackups } from '../../providers/backup/index.js';
import type { PostgresDatabaseProvider, DatabaseServer, TenantDatabaseProvider } from '../../providers/database/index.js';
import type { AwsKmsProvider, KmsEndpoint, KmsPacingOptions, TenantKeyProvider } from '../../providers/kms/index.js';
import { partitionOf } from '../../providers/kms/key-policy.js';
import { tenantPrincipal } from '../../providers/kms/principal.js';
import type { PooledKeyProvider } from '../../providers/kms/pool/index.js';
import { lazyModule } from '../../runtime/lazy-module.js';
import { noopPacerMetrics } from '../../runtime/pacer.js';
import type { Logger } from '../../runtime/logging.js';
import type { ProviderMetrics } from '../../runtime/metrics.js';
import type { KubeObject } from '../../runtime/types.js';

// The providers' code, and pg and the AWS SDK under it, is loaded by the first region that needs
// it, not at start (docs/decisions/0065): an operator without tenants holds none of it.
const databaseCode = lazyModule(() => import('../../providers/database/index.js'));
const kmsCode = lazyModule(() => import('../../providers/kms/index.js'));
const kmsSessionCode = lazyModule(() => import('../../providers/kms/kms-session.js'));
const poolKeyCode = lazyModule(() => import('../../providers/kms/pool/index.js'));
const backupCode = lazyModule(() => import('../../providers/backup/index.js'));

export type RegionSettings = OperatorConfig['regions'][string];

interface SecretObject extends KubeObject {
  data?: Record<string, string>;
}

/** What a reconcile uses: a region's settings and its providers (undefined settings: not configured). */
export interface Providers {
  settings(region: string): RegionSettings | undefined;
  database(region: string): Promise<TenantDatabaseProvider>;
  kms(region: string): Promise<TenantKeyProvider>;
  /** The region's pool key tier (plans with isolation.key Shared); absent where tests of other steps wire none. */
  pooledKms?(region: string): Promise<PooledKeyProvider>;
  /** The region's backups in the object store; absent where no store is wired (tests of other steps). */
  backups?(region: string): Promise<TenantBackups>;
}

export class RegionalProviders implements Providers {
  private readonly databases = new Map<string, Promise<PostgresDatabaseProvider>>();
  private readonly keys = new Map<string, Promise<AwsKmsProvider>>();
  private readonly poolKeys = new Map<string, Promise<PooledKeyProvider>>();
  private readonly backupStores = new Map<string, Promise<TenantBackups>>();

  constructor(
    private readonly config: OperatorConfig,
    private readonly client: KubeClient,
    private readonly logger: Logger,
    private readonly metrics?: ProviderMetrics,
  ) {}

  settings(region: string): RegionSettings | undefined {
    return this.config.regions[region];
  }

  database(region: string): Promise<PostgresDatabaseProvider> {
    return this.memo(this.databases, region, async (settings) => {
      const { PostgresDatabaseProvider } = await databaseCode();
      return new PostgresDatabaseProvider(await this.databaseServer(settings), {
        logger: this.logger,
        snapshotDir: this.config.database.snapshotDir,
        maxConnections: this.config.providerLimits.database.maxConnectionsPerServer,
        connectionWaits: this.metrics?.connectionWaits(region),
      });
    });
  }

  kms(region: string): Promise<AwsKmsProvider> {
    return this.memo(this.keys, region, async (settings) => {
      const { AwsKmsProvider } = await kmsCode();
      return new AwsKmsProvider(await this.kmsEndpoint(region, settings), this.kmsOptions(settings));
    });
  }

  /** The region's pool key provider, acting as the operator's own identity (encryption.operatorPrincipalTemplate). */
  pooledKms(region: string): Promise<PooledKeyProvider> {
    return this.memo(this.poolKeys, region, async (settings) => {
      const variables = { tenant: '', accountId: settings.kms.accountId, partition: partitionOf(region) };
      const operatorPrincipal = tenantPrincipal(this.config.encryption.operatorPrincipalTemplate, variables);
      const { PooledKeyProvider } = await poolKeyCode();
      return new PooledKeyProvider(await this.kmsEndpoint(region, settings), { ...this.kmsOptions(settings), operatorPrincipal });
    });
  }

  /**
   * The region's backups: the configured object store, the region's database server and KMS.
   * Rejects when the operator has no `backups` configuration.
   */
  backups(region: string): Promise<TenantBackups> {
    const store = this.config.backups;
    if (store === undefined) return Promise.reject(new Error('the operator has no backups configured (operator config backups)'));
    return this.memo(this.backupStores, region, async (settings) => {
      const credentials = store.credentialsSecret
        ? await this.secret(store.credentialsSecret, ['accessKeyId', 'secretAccessKey'])
        : undefined;
      const [{ TenantBackups, ObjectStore }, { KmsSession }] = await Promise.all([backupCode(), kmsSessionCode()]);
      return new TenantBackups({
        store: new ObjectStore({ ...store, credentials: credentials as { accessKeyId: string; secretAccessKey: string } | undefined }),
        prefix: store.prefix,
        kms: KmsSession.open(await this.kmsEndpoint(region, settings), this.kmsOptions(settings)),
        server: await this.databaseServer(settings),
        workDir: store.workDir,
        timeoutMillis: store.timeoutSeconds * 1000,
        logger: this.logger,
      });
    });
  }

  private async databaseServer(settings: RegionSettings): Promise<DatabaseServer> {
    const admin = await this.secret(settings.database.adminSecret, ['username', 'password']);
    return {
      host: settings.database.host,
      port: settings.database.port,
      adminUser: admin.username ?? '',
      adminPassword: admin.password ?? '',
    };
  }

  private async kmsEndpoint(region: string, settings: RegionSettings): Promise<KmsEndpoint> {
    const credentials = settings.kms.credentialsSecret
      ? await this.secret(settings.kms.credentialsSecret, ['accessKeyId', 'secretAccessKey'])
      : undefined;
    return {
      region,
      accountId: settings.kms.accountId,
      endpoint: settings.kms.endpoint,
      credentials: credentials
        ? { accessKeyId: credentials.accessKeyId ?? '', secretAccessKey: credentials.secretAccessKey ?? '' }
        : undefined,
    };
  }

  private kmsOptions(settings: RegionSettings): ConstructorParameters<typeof AwsKmsProvider>[1] {
    return {
      logger: this.logger,
      pacing: this.kmsPacing(settings),
      pacingMetrics: (name) => this.metrics?.kmsPacer(name) ?? noopPacerMetrics,
    };
  }

  /** The region's KMS budgets: the operator-wide ones, with the region's own quotas where it has them. */
  private kmsPacing(settings: RegionSettings): KmsPacingOptions {
    const limits = this.config.providerLimits.kms;
    return {
      requestsPerSecond: { ...limits.requestsPerSecond, ...settings.kms.requestsPerSecond },
      burst: limits.burst,
      maxWaitMs: limits.maxWaitSeconds * 1000,
      slowdown: limits.throttleSlowdown,
      recoveryMs: limits.recoverySeconds * 1000,
    };
  }

  /** The same providers with every call tied to `signal`. */
  withSignal(signal: AbortSignal): Providers {
    return {
      settings: (region) => this.settings(region),
      database: async (region) => (await this.database(region)).withSignal(signal),
      kms: async (region) => (await this.kms(region)).withSignal(signal),
      pooledKms: async (region) => (await this.pooledKms(region)).withSignal(signal),
      // pg_dump and the upload are not tied to the signal; a backup is never destructive.
      backups: (region) => this.backups(region),
    };
  }

  private memo<T>(cache: Map<string, Promise<T>>, region: string, build: (settings: RegionSettings) => Promise<T>): Promise<T> {
    const settings = this.settings(region);
    if (!settings) return Promise.reject(new Error(`region ${region} is not configured`));
    let pending = cache.get(region);
    if (!pending) {
      pending = build(settings);
      cache.set(region, pending);
      // A missing Secret must be retried on the next reconcile, not remembered.
      pending.catch(() => cache.delete(region));
    }
    return pending;
  }

  private async secret(ref: { namespace: string; name: string }, keys: string[]): Promise<Record<string, string | undefined>> {
    const secret = await this.client.get<SecretObject>({ apiVersion: 'v1', kind: 'Secret', ...ref });
    if (!secret) throw new Error(`Secret ${ref.namespace}/${ref.name} does not exist`);
    const values: Record<string, string | undefined> = {};
    for (const key of keys) {
      const encoded = secret.data?.[key];
      if (encoded === undefined) throw new Error(`Secret ${ref.namespace}/${ref.name} has no key ${key}`);
      values[key] = Buffer.from(encoded, 'base64').toString('utf8');
    }
    return values;
  }

  async close(): Promise<void> {
    for (const pending of this.databases.values()) await (await pending.catch(() => undefined))?.close();
    for (const pending of this.keys.values()) (await pending.catch(() => undefined))?.close();
    for (const pending of this.backupStores.values()) (await pending.catch(() => undefined))?.close();
  }
}
