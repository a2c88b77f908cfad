/**
 * One pass of the operator's periodic audit (operator-audit.ts): the whole fleet audited, the
 * report joined to the chain published before it and signed, each Tenant's IsolationVerified
 * written and the report published. The operator runs it in a process of its own
 * (pass-process.ts, docs/decisions/0068), so this code (the analysis, the signer, pg and the KMS
 * SDK under them) and the pass's peak never stay in the operator.
 */
import type { KeyObject } from 'node:crypto';
import type { OperatorConfig } from '../api/operator-config.js';
import type { PlatformAddressResolver } from '../controllers/tenant/platform-addresses.js';
import type { KubeClient } from '../kube/client.js';
import { LeadershipNotConfirmed, type LeadershipFence } from '../runtime/fence.js';
import { errorMessage } from '../runtime/errors.js';
import type { Logger } from '../runtime/logging.js';
import { AuditCostMeter, type PhaseMarks } from './cost.js';
import type { CheckCategory } from './model.js';
import { isolationConditions, writeIsolationConditions } from './isolation-condition.js';
import { joinChain, type ChainJoin } from './operator-chain.js';
import { AuditPassFailed, countFindings, type AuditRunOutcome, type PassResult } from './periodic.js';
import { publishReport, readPublishedReport, type PublishTarget } from './publish.js';
import { signReportFile, signRotation, type UnsignedReport } from './report/index.js';
import { runAudit, wireRequestFor, type WireRequest } from './run.js';
import { NoSigningKeyError, signingKeysFor } from './signing-key.js';

export interface AuditPassOptions {
  client: KubeClient;
  config: OperatorConfig;
  logger: Logger;
  addresses: PlatformAddressResolver;
  /**
   * The keys this operator signed its earlier reports with, newest first: if the Secret changed
   * under it, the old key still signs the hand-over (several, in case a publication failed after a change).
   */
  signedWith: readonly KeyObject[];
  /** Asked right before the report is published: a leader that lost its lease publishes nothing. */
  fence: LeadershipFence;
  /** Told the findings before the first condition is written. */
  judged?: (findings: Record<CheckCategory, number>) => void | Promise<void>;
}

/** Where the operator publishes its report (audit.reportConfigMap), or undefined when it has no key to sign one with. */
function publishTargetOf(config: OperatorConfig): PublishTarget | undefined {
  if (config.audit.signingKeySecret === undefined) return undefined;
  return { namespace: config.namespace, name: config.audit.reportConfigMap, maximumParts: config.audit.reportParts };
}

/** The probes the operator may run: only in tenant namespaces, it may run pods nowhere else (docs/decisions/0014). */
function wireRequest(config: OperatorConfig): { wire?: WireRequest } {
  return config.audit.probes.enabled ? { wire: wireRequestFor(config, []) } : {};
}

/** One pass, measured; returns what it did and the key it signed with (if it signed). */
export async function runAuditPass(options: AuditPassOptions): Promise<{ result: PassResult; signedWith?: KeyObject }> {
  const { client, config, logger, addresses } = options;
  const where = publishTargetOf(config);
  let signedWith: KeyObject | undefined;
  const result = await measured(logger, async (phases) => {
    const keys = where ? await readKeys(client, config) : undefined;
    const join =
      where && keys
        ? joinChain(await readPublishedReport(client, where), keys.current, [
            ...(keys.retiring ? [keys.retiring] : []),
            ...options.signedWith,
          ])
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
    const outcome: AuditRunOutcome = { tenants: audit.tenants, checks: audit.checks };
    if (keys) {
      const { report, bytes } = await signReportFile(joined(audit.report, join, keys.current), keys.current);
      phases.mark('signed');
      if (join.rotateFrom) logger.info('Rotated the audit signing key', { from: report.rotation?.from.keyId, to: report.signature.keyId });
      outcome.report = bytes;
      signedWith = keys.current;
    }
    return recordOutcome({ ...options, ...(where ? { publishTo: where } : {}) }, outcome, phases);
  });
  return { result, ...(signedWith ? { signedWith } : {}) };
}

export interface OutcomeTarget {
  client: KubeClient;
  logger: Logger;
  /** Where the signed report goes; without it the report is kept to the logs and metrics. */
  publishTo?: PublishTarget;
  fence?: LeadershipFence;
  /** Told the findings before the first condition is written (the operator's metrics). */
  judged?: (findings: Record<CheckCategory, number>) => void | Promise<void>;
}

/** A pass's outcome written where it is read: each Tenant's IsolationVerified, then the signed report published. */
export async function recordOutcome(
  target: OutcomeTarget,
  outcome: AuditRunOutcome,
  phases: PhaseMarks,
): Promise<Omit<PassResult, 'cost'>> {
  const { client, logger, publishTo, fence } = target;
  const now = new Date();
  const findings = countFindings(outcome.checks);
  await target.judged?.(findings);
  const conditionsChanged = await writeIsolationConditions({ client, logger, now }, outcome.tenants, isolationConditions(outcome.checks));
  phases.mark('conditions written');
  let published: PassResult['published'];
  if (publishTo && outcome.report) {
    await fence?.confirm('publishing the audit report');
    const { parts, compressedBytes } = await publishReport(client, publishTo, outcome.report);
    published = { reportBytes: outcome.report.length, parts, compressedBytes };
    phases.mark('published');
  }
  return {
    tenants: outcome.tenants.length,
    checks: outcome.checks.length,
    findings,
    conditionsChanged,
    ...(published ? { published } : {}),
  };
}

/**
 * Runs `pass` with its cost measured in this process, each step logged as it ends: a pass cut
 * short (a lost lease, an OOM kill) still says how far it got and what it cost. A failure is an
 * AuditPassFailed carrying the cost so far.
 */
export async function measured(logger: Logger, pass: (phases: PhaseMarks) => Promise<Omit<PassResult, 'cost'>>): Promise<PassResult> {
  const meter = new AuditCostMeter();
  const steps = { mark: (phase: string) => logger.info('Audit step finished', { ...meter.mark(phase) }) };
  try {
    const done = await pass(steps);
    return { ...done, cost: meter.stop() };
  } catch (error) {
    throw new AuditPassFailed(errorMessage(error), {
      cost: meter.stop(),
      notLeader: error instanceof LeadershipNotConfirmed,
      cause: error,
    });
  }
}

async function readKeys(client: KubeClient, config: OperatorConfig): Promise<{ current: KeyObject; retiring?: KeyObject }> {
  return signingKeysFor(client, config).catch((error: unknown) => {
    throw error instanceof NoSigningKeyError ? error : new Error(`cannot read the signing key: ${errorMessage(error)}`, { cause: error });
  });
}

/** The report as it joins the chain: with the hand-over from the retiring key, or saying that a new chain starts. */
function joined(report: UnsignedReport, join: ChainJoin, current: KeyObject): UnsignedReport {
  if (join.rotateFrom) return { ...report, rotation: signRotation(join.rotateFrom, current, new Date(report.generatedAt)) };
  if (join.newChain) return { ...report, limitations: [...report.limitations, join.newChain] };
  return report;
}
