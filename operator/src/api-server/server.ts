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
import { CachedTenantStore } from './cached-tenant-store.js';
import { AuditTrailConfigSchema, type AuditTrailConfig } from './audit-trail/config.js';
import { PgAuditTrail } from './audit-trail/store.js';
import { ApiMetrics } from './metrics.js';
import { createJwtVerifier, OidcConfigSchema } from './oidc.js';
import { openRateLimit } from './rate-limit/open.js';
import { KubeRestoreStore } from './restore-store.js';
import { defaultTokenSecret, KubeTokenStore } from './token-store.js';

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
  const metrics = config.metrics.enabled ? new ApiMetrics() : undefined;
  const metricsServer =
    metrics && new HealthServer({ host: config.metrics.host, port: config.metrics.port, registry: metrics.registry, logger });
  await metricsServer?.start();
  const app = createApp({
    tenants: new CachedTenantStore(client, tenantCache),
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
    });
    // Slow clients must not hold connections open indefinitely.
    server.requestTimeout = 30_000;
    server.headersTimeout = 10_000;
  });
}
