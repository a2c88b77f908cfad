/**
 * The periodic audit as the operator runs it (docs/decisions/0005): the whole fleet, without the
 * live access probes, signed with the configured key and chained to the report published before
 * it; when the key changed, across a rotation or onto a new chain (operator-chain.ts). Without a
 * signing key it still sets the conditions and metrics but publishes nothing, since an unsigned
 * report is not evidence. The schedule and its metrics start with leadership; the pass itself
 * (operator-audit-pass.ts) is loaded by the first pass (docs/decisions/0065).
 */
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../api/operator-config.js';
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { KubeClient } from '../kube/client.js';
import { lazyModule } from '../runtime/lazy-module.js';
import type { Logger } from '../runtime/logging.js';
import type { PhaseMarks } from './cost.js';
import { PeriodicAudit, type AuditRunOutcome } from './periodic.js';

const passCode = lazyModule(() => import('./operator-audit-pass.js'));

export interface OperatorAuditOptions {
  client: KubeClient;
  config: OperatorConfig;
  logger: Logger;
  registry: Registry;
  /** New or changed tenants waiting in the work queue: a pass waits for them, up to an interval (decision 0067). */
  newWork?: () => number;
}

export function createOperatorAudit(options: OperatorAuditOptions): PeriodicAudit {
  const { client, config, logger } = options;
  const where = { namespace: config.namespace, name: config.audit.reportConfigMap, maximumParts: config.audit.reportParts };
  const signed = config.audit.signingKeySecret !== undefined;
  const addresses = new PlatformAddressResolver(config);
  if (!signed) logger.warn('No audit.signingKeySecret: the periodic audit sets IsolationVerified but publishes no report');
  let pass: ((phases: PhaseMarks) => Promise<AuditRunOutcome>) | undefined;
  const run = async (phases: PhaseMarks): Promise<AuditRunOutcome> => {
    pass ??= (await passCode()).createAuditPass({ ...options, where, signed, addresses });
    return pass(phases);
  };
  return new PeriodicAudit({
    client,
    logger,
    registry: options.registry,
    run,
    initialDelayMs: config.audit.initialDelaySeconds * 1000,
    intervalMs: config.audit.intervalSeconds * 1000,
    ...(signed ? { publishTo: where } : {}),
    ...(options.newWork ? { yieldTo: { waiting: options.newWork, maxDeferMs: config.audit.intervalSeconds * 1000 } } : {}),
  });
}
