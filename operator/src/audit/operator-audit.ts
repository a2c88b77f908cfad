/**
 * The periodic audit as the operator runs it (docs/decisions/0005): the whole fleet, without the
 * live access probes, signed with the configured key and chained to the report published before
 * it; when the key changed, across a rotation or onto a new chain (operator-chain.ts). Without a
 * signing key it still sets the conditions and metrics but publishes nothing, since an unsigned
 * report is not evidence. The schedule and its metrics start with leadership; each pass runs in a
 * process of its own (pass-child.ts, docs/decisions/0068).
 */
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../api/operator-config.js';
import type { KubeClient } from '../kube/client.js';
import type { LeadershipFence } from '../runtime/fence.js';
import type { Logger } from '../runtime/logging.js';
import { passInChild, type ClusterAccess, type RequestCount } from './pass-child.js';
import { PeriodicAudit } from './periodic.js';

export interface OperatorAuditOptions {
  client: KubeClient;
  /** The cluster as the operator reaches it; the pass's process connects the same way. */
  cluster: ClusterAccess;
  config: OperatorConfig;
  logger: Logger;
  registry: Registry;
  /** The leadership the audit runs under: a pass stops when it ends, and publishes only if the fence confirms. */
  leadership: { signal: AbortSignal; fence: LeadershipFence };
  /** New or changed tenants waiting in the work queue: a pass waits for them, up to an interval (decision 0067). */
  newWork?: () => number;
  /** Adds the pass's requests to kube-apiserver to the operator's count. */
  countRequests?: (count: RequestCount) => void;
}

export function createOperatorAudit(options: OperatorAuditOptions): PeriodicAudit {
  const { client, config, logger, leadership } = options;
  if (config.audit.signingKeySecret === undefined) {
    logger.warn('No audit.signingKeySecret: the periodic audit sets IsolationVerified but publishes no report');
  }
  return new PeriodicAudit({
    client,
    logger,
    registry: options.registry,
    run: passInChild({
      config,
      cluster: options.cluster,
      logger,
      fence: leadership.fence,
      signal: leadership.signal,
      ...(options.countRequests ? { countRequests: options.countRequests } : {}),
    }),
    initialDelayMs: config.audit.initialDelaySeconds * 1000,
    intervalMs: config.audit.intervalSeconds * 1000,
    ...(options.newWork ? { yieldTo: { waiting: options.newWork, maxDeferMs: config.audit.intervalSeconds * 1000 } } : {}),
  });
}
