/**
 * `bulkhead api`: runs the onboarding API against the cluster of --kubeconfig/--context (default $KUBECONFIG). Settings come from the YAML file
 * named by BULKHEAD_API_CONFIG (see api-server/server.ts), with BULKHEAD_API_HOST and
 * BULKHEAD_API_PORT overriding host and port, BULKHEAD_API_METRICS_PORT metrics.port, and
 * BULKHEAD_AUDIT_TRAIL_URL setting auditTrail.url
 * (so the password can come from a Secret through the environment rather than a file). An unknown
 * or invalid field stops it, naming the field; so does a missing audit trail (see docs/api.md).
 */
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { parse } from 'yaml';
import { ApiServerConfigSchema, startApiServer, type ApiServerConfig } from '../api-server/server.js';
import { createLogger } from '../runtime/logging.js';
import { setupSignalHandler } from '../runtime/signals.js';
import { connect, type ClusterOptions } from './cluster.js';

export function loadApiConfig(env: NodeJS.ProcessEnv = process.env): ApiServerConfig {
  const file = env.BULKHEAD_API_CONFIG ? (parse(readFileSync(env.BULKHEAD_API_CONFIG, 'utf8')) as Record<string, unknown> | null) : {};
  const overrides = {
    ...(env.BULKHEAD_API_HOST ? { host: env.BULKHEAD_API_HOST } : {}),
    ...(env.BULKHEAD_API_PORT ? { port: env.BULKHEAD_API_PORT } : {}),
    ...(env.BULKHEAD_AUDIT_TRAIL_URL ? { auditTrail: { url: env.BULKHEAD_AUDIT_TRAIL_URL } } : {}),
    ...(env.BULKHEAD_API_METRICS_PORT
      ? { metrics: { ...(file?.metrics as object | undefined), port: env.BULKHEAD_API_METRICS_PORT } }
      : {}),
  };
  const result = ApiServerConfigSchema.safeParse({ ...(file ?? {}), ...overrides });
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new Error(`invalid API configuration: ${problems.join('; ')}`);
  }
  return result.data;
}

export async function runApi(config: ApiServerConfig, cluster: ClusterOptions = { kubeconfig: process.env.KUBECONFIG }): Promise<void> {
  const logger = createLogger({ name: 'api' });
  const client = connect(cluster);
  const shutdown = setupSignalHandler({ logger });
  const server = await startApiServer({ config, client, logger });
  await once(shutdown.signal, 'abort');
  server.close();
  server.closeAllConnections();
  client.close();
  shutdown.dispose();
}
