/**
 * Running the API: its settings (validated once, from the environment), the real stores, and an
 * HTTP server bound to 127.0.0.1 unless told otherwise (put a TLS-terminating proxy in front).
 * Its metrics are served on a port of their own, also on 127.0.0.1 unless told otherwise, so the
 * API's port (perhaps behind a LoadBalancer) never serves them.
 */
import type { Server } from 'node:http';
import { z } from 'zod';
import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../runtime/logging.js';
import { errorFields } from '../runtime/logging.js';
import { readPublishedReport } from '../audit/publish.js';
import { apiVersion, tenantKind, type Tenant } from '../api/index.js';
import { listerWatcher } from '../kube/list-watch.js';
import { HealthServer } from '../runtime/health.js';
import { Informer } from '../runtime/informer.js';
import { createApp } from './app.js';
import { CellTenantStores, defaultCellLimits } from './cells/cell-stores.js';
import { PgCellRegistry } from './cells/registry.js';
import { TenantCells } from './cells/routing.js';
import { FleetAuditReports } from './cells/fleet-reports.js';
import type { TenantStore } from './tenant-store.js';
import { CachedTenantStore } from './cached-tenant-store.js';
import { AuditTrailConfigSchema, type AuditTrailConfig } from './audit-trail/config.js';
import { PgAuditTrail } from './audit-trail/store.js';
import { ApiMetrics } from './metrics.js';
import { createJwtVerifier, OidcConfigSchema } from './oidc.js';
import { openRateLimit } from './rate-limit/open.js';
import { KubeRestoreStore } from './restore-store.js';
import { defaultTokenSecret, KubeTokenStore } from './token-store.js';

const defaultReportStaleAfterSeconds = 1800;

export const ApiServerConfigSchema = z.strictObject({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(8080),
  tokenSecret: z.strictObject({ namespace: z.string(), name: z.string() }).default(defaultTokenSecret),
  rateLimit: z
    .strictObject({ capacity: z.int().min(1), refillPerSecond: z.number().positive() })
    .default({ capacity: 60, refillPerSecond: 10 }),
  oidc: OidcConfigSchema.optional(),
  auditTrail: AuditTrailConfigSchema,
  /** The ConfigMap the operator publishes the latest audit report to (its audit.reportConfigMap). */
  auditReport: z
    .strictObject({ namespace: z.string().min(1), name: z.string().min(1) })
    .default({ namespace: 'bulkhead-system', name: 'bulkhead-audit-report' }),
  /**
   * Cells (docs/cells.md): off, every Tenant lives in this cluster. On, the registry lives in the
   * audit trail's database and tenants are placed in the registered cells.
   */
  cells: z
    .strictObject({
      enabled: z.boolean().default(false),
      connectTimeoutMs: z.int().min(100).max(30_000).default(defaultCellLimits.connectTimeoutMs),
      requestTimeoutMs: z.int().min(1_000).max(60_000).default(defaultCellLimits.requestTimeoutMs),
      /** A cell's report older than this is listed stale in the fleet report: three of the operator's default audit intervals. */
      reportStaleAfterSeconds: z
        .int()
        .min(60)
        .max(30 * 86_400)
        .default(defaultReportStaleAfterSeconds),
    })
    .default({ enabled: false, ...defaultCellLimits, reportStaleAfterSeconds: defaultReportStaleAfterSeconds }),
  /** /metrics (and /healthz) on a port of their own; port 0 picks a free one. */
  metrics: z
    .strictObject({
      enabled: z.boolean().default(true),
      host: z.string().default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(8082),
    })
    .default({ enabled: true, host: '127.0.0.1', port: 8082 }),
});
export type ApiServerConfig = z.infer<typeof ApiServerConfigSchema>;

/** The cell registry when cells are enabled; they need the audit trail's database. */
async function openCells(
  config: ApiServerConfig,
  client: KubeClient,
  local: TenantStore,
  logger: Logger,
): Promise<TenantCells | undefined> {
  if (!config.cells.enabled) return undefined;
  const url = config.auditTrail.url;
  if (!url) throw new Error('cells.enabled needs auditTrail.url: the cell registry lives in the audit trail database');
  const registry = new PgCellRegistry({ url }, (error) => logger.warn('Cell registry connection failed while idle', errorFields(error)));
  try {
    logger.info((await registry.ensureTables()) === 'created' ? 'Created the cell registry tables' : 'Cell registry ready');
  } catch (error) {
    await registry.close();
    throw new Error(`cannot open the cell registry (auditTrail.url): ${errorFields(error).error}`);
  }
  const { connectTimeoutMs, requestTimeoutMs } = config.cells;
  return new TenantCells(registry, new CellTenantStores(client, logger, { connectTimeoutMs, requestTimeoutMs }), local);
}

/** Connects to the trail and makes sure its table exists before the API takes a single call. */
async function openAuditTrail(config: AuditTrailConfig, logger: Logger): Promise<PgAuditTrail | null> {
  if (!config.url) {
    logger.warn('Audit trail disabled by configuration: changes through the API are not recorded');
    return null;
  }
  const trail = new PgAuditTrail({ url: config.url }, (error) =>
    logger.warn('Audit trail connection failed while idle', errorFields(error)),
  );
  try {
    const schema = await trail.ensureSchema();
    logger.info(
      {
        created: 'Created the audit trail table',
        upgraded: 'Upgraded the audit trail table to record format 2',
        exists: 'Audit trail ready',
      }[schema],
    );
    return trail;
  } catch (error) {
    await trail.close();
    throw new Error(`cannot open the audit trail (auditTrail.url): ${errorFields(error).error}`);
  }
}

export async function startApiServer(options: { config: ApiServerConfig; client: KubeClient; logger: Logger }): Promise<Server> {
  const { config, client, logger } = options;
  const auditTrail = await openAuditTrail(config.auditTrail, logger);
  const rateLimit = await openRateLimit(config.rateLimit, config.auditTrail.url, logger);
  const tenantCache = new Informer<Tenant>({
    name: 'tenants',
    logger,
    listerWatcher: listerWatcher<Tenant>(client, { apiVersion, kind: tenantKind }),
  });
  tenantCache.start();
  const tenants = new CachedTenantStore(client, tenantCache);
  const cells = await openCells(config, client, tenants, logger);
  const metrics = config.metrics.enabled ? new ApiMetrics() : undefined;
  const metricsServer =
    metrics && new HealthServer({ host: config.metrics.host, port: config.metrics.port, registry: metrics.registry, logger });
  await metricsServer?.start();
  const app = createApp({
    tenants,
    restores: new KubeRestoreStore(client),
    auth: {
      tokens: new KubeTokenStore({ client, secret: config.tokenSecret }),
      jwt: config.oidc ? createJwtVerifier(config.oidc) : undefined,
    },
    rateLimit: rateLimit.store,
    auditTrail,
    auditReports: { latest: () => readPublishedReport(client, config.auditReport) },
    logger,
    metrics,
    cells,
    fleetReports:
      cells && new FleetAuditReports(cells, { where: config.auditReport, logger, staleAfterSeconds: config.cells.reportStaleAfterSeconds }),
  });
  return new Promise((resolve, reject) => {
    const server = app.listen(config.port, config.host, () => {
      logger.info('Serving onboarding API', { address: server.address() });
      resolve(server);
    });
    server.once('error', reject);
    server.once('close', () => {
      auditTrail?.close().catch(() => undefined);
      rateLimit.close().catch(() => undefined);
      tenantCache.stop().catch(() => undefined);
      metricsServer?.stop().catch(() => undefined);
      cells?.close().catch(() => undefined);
    });
    // Slow clients must not hold connections open indefinitely.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
  });
}
