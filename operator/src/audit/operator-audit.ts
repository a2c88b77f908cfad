/**
 * The periodic audit as the operator runs it (docs/decisions/0005): the whole fleet, without the
 * live access probes, signed with the configured key and chained to the report published before
 * it; when the key changed, across a rotation or onto a new chain (operator-chain.ts). Without a
 * signing key it still sets the conditions and metrics but publishes nothing, since an unsigned
 * report is not evidence.
 */
import type { KeyObject } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { OperatorConfig } from '../api/operator-config.js';
import { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { KubeClient } from '../kube/client.js';
import type { Logger } from '../runtime/logging.js';
import type { PhaseMarks } from './cost.js';
import { PeriodicAudit, type AuditRunOutcome } from './periodic.js';
import { readPublishedReport } from './publish.js';
import { joinChain, type ChainJoin } from './operator-chain.js';
import { signReportFile, signRotation, type UnsignedReport } from './report/index.js';
import { runAudit, wireRequestFor, type WireRequest } from './run.js';
import { NoSigningKeyError, signingKeysFor } from './signing-key.js';
import { errorMessage } from '../runtime/errors.js';

export interface OperatorAuditOptions {
  client: KubeClient;
  config: OperatorConfig;
  logger: Logger;
  registry: Registry;
  /** New or changed tenants waiting in the work queue: a pass waits for them, up to an interval (decision 0067). */
  newWork?: () => number;
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
  // The keys this process has signed with: if the Secret changes under it, the old one still signs
  // the hand-over (several, in case a publication failed after a change).
  const signedWith: KeyObject[] = [];
  const run = async (phases: PhaseMarks): Promise<AuditRunOutcome> => {
    const keys = signed ? await readKeys(options) : undefined;
    const join = keys
      ? joinChain(await readPublishedReport(client, where), keys.current, [...(keys.retiring ? [keys.retiring] : []), ...signedWith])
      : { previous: null };
    if (join.newChain) logger.warn('Starting a new audit report chain', { reason: join.newChain });
    const audit = await runAudit({
      client,
      config,
      logger,
      addresses,
      scope: { kind: 'all' },
      liveProbes: false,
      previous: join.previous,
      phases,
      ...wireRequest(config),
    });
    if (!keys) return { tenants: audit.tenants, checks: audit.checks };
    const { report, bytes } = await signReportFile(joined(audit.report, join, keys.current), keys.current);
    phases.mark('signed');
    if (join.rotateFrom) logger.info('Rotated the audit signing key', { from: report.rotation?.from.keyId, to: report.signature.keyId });
    remember(signedWith, keys.current);
    return { tenants: audit.tenants, checks: audit.checks, report: bytes };
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

async function readKeys({ client, config }: OperatorAuditOptions): Promise<{ current: KeyObject; retiring?: KeyObject }> {
  return signingKeysFor(client, config).catch((error: unknown) => {
    throw error instanceof NoSigningKeyError ? error : new Error(`cannot read the signing key: ${errorMessage(error)}`, { cause: error });
  });
}

/** The last few distinct keys, newest first. */
function remember(keys: KeyObject[], key: KeyObject): void {
  if (keys[0]?.equals(key)) return;
  keys.unshift(key);
  keys.splice(3);
}

/** The report as it joins the chain: with the hand-over from the retiring key, or saying that a new chain starts. */
function joined(report: UnsignedReport, join: ChainJoin, current: KeyObject): UnsignedReport {
  if (join.rotateFrom) return { ...report, rotation: signRotation(join.rotateFrom, current, new Date(report.generatedAt)) };
  if (join.newChain) return { ...report, limitations: [...report.limitations, join.newChain] };
  return report;
}
