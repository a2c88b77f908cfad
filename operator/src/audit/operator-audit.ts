/**
 * The periodic audit as the operator runs it (docs/decisions/0005): the whole fleet, without the
 * live access probes, signed with the configured key and chained to the report published before
 * it. Without a signing key it still sets the conditions and metrics but publishes nothing, since
 * an unsigned report is not evidence.
 */
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../api/operator-config.js';
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../runtime/logging.js';
import { PeriodicAudit, type AuditRunOutcome } from './periodic.js';
import { readPublishedReport } from './publish.js';
import { digestOf, signReportFile } from './report/index.js';
import { runAudit, wireRequestFor, type WireRequest } from './run.js';
import { NoSigningKeyError, signingKeyFor } from './signing-key.js';
import { errorMessage } from '../runtime/errors.js';

export interface OperatorAuditOptions {
  client: KubeClient;
  config: OperatorConfig;
  logger: Logger;
  registry: Registry;
}

/** The operator probes only tenant namespaces: it may run pods nowhere else (docs/decisions/0014). */
function wireRequest(config: OperatorConfig): { wire?: WireRequest } {
  return config.audit.probes.enabled ? { wire: wireRequestFor(config, []) } : {};
}

export function createOperatorAudit(options: OperatorAuditOptions): PeriodicAudit {
  const { client, config, logger } = options;
  const where = { namespace: config.namespace, name: config.audit.reportConfigMap, maximumParts: config.audit.reportParts };
  const signed = config.audit.signingKeySecret !== undefined;
  const addresses = new PlatformAddressResolver(config);
  if (!signed) logger.warn('No audit.signingKeySecret: the periodic audit sets IsolationVerified but publishes no report');
  const run = async (): Promise<AuditRunOutcome> => {
    const published = signed ? await readPublishedReport(client, where) : undefined;
    const audit = await runAudit({
      client,
      config,
      logger,
      addresses,
      scope: { kind: 'all' },
      liveProbes: false,
      previous: published ? { digest: digestOf(published) } : null,
      ...wireRequest(config),
    });
    if (!signed) return { tenants: audit.tenants, checks: audit.checks };
    const key = await signingKeyFor(client, config).catch((error: unknown) => {
      throw error instanceof NoSigningKeyError ? error : new Error(`cannot read the signing key: ${errorMessage(error)}`, { cause: error });
    });
    return { tenants: audit.tenants, checks: audit.checks, report: (await signReportFile(audit.report, key)).bytes };
  };
  return new PeriodicAudit({
    client,
    logger,
    registry: options.registry,
    run,
    initialDelayMs: config.audit.initialDelaySeconds * 1000,
    intervalMs: config.audit.intervalSeconds * 1000,
    ...(signed ? { publishTo: where } : {}),
  });
}
