/**
 * The isolation audit the operator's leader runs on a period (docs/decisions/0005): after each run
 * every Tenant's IsolationVerified condition says what the audit found about it, the findings are
 * counted in metrics, and the signed report is published for the onboarding API's auditors. A run
 * that fails as a whole makes every Tenant's condition Unknown (AuditFailed, with the error): an
 * audit that could not look verified nothing, so an earlier True must not stand
 * (docs/decisions/0018). It is retried at the next period.
 *
 * This is the schedule and its metrics; the pass itself (judging, signing, writing the conditions,
 * publishing) is `run`, which the operator runs in a process of its own (pass-child.ts,
 * docs/decisions/0068).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConditionUpdate } from '../api/conditions.js';
import { apiVersion, tenantKind, type Tenant } from '../api/tenant.js';
import type { KubeClient } from '../kube/client.js';
import { sleep } from '../runtime/backoff.js';
import { errorFields, type Logger } from '../runtime/logging.js';
import { listAll } from './cluster-reads.js';
import type { AuditCost } from './cost.js';
import { auditFailedCondition, writeIsolationConditions } from './isolation-condition.js';
import type { AuditCheck, CheckCategory } from './model.js';
import { errorMessage } from '../runtime/errors.js';

/** What one audit run hands back: the tenants it judged, its checks, and the report as signed (if signed). */
export interface AuditRunOutcome {
  tenants: Tenant[];
  checks: AuditCheck[];
  report?: Buffer;
}

/** What one pass did, as the process that ran it reports it: counts, not the checks themselves. */
export interface PassResult {
  tenants: number;
  checks: number;
  /** Failed or incomplete checks, by category. */
  findings: Record<CheckCategory, number>;
  conditionsChanged: number;
  published?: { reportBytes: number; parts: number; compressedBytes: number };
  /** What the pass cost the process that ran it. */
  cost: AuditCost;
}

/**
 * A pass that did not finish, with what it cost up to then when that is known. `notLeader`: it
 * stopped because this process could not confirm that it still leads, so it must write nothing more.
 */
export class AuditPassFailed extends Error {
  readonly cost?: AuditCost;
  readonly notLeader: boolean;

  constructor(message: string, details: { cost?: AuditCost; notLeader?: boolean; cause?: unknown } = {}) {
    super(message, { cause: details.cause });
    this.name = 'AuditPassFailed';
    if (details.cost) this.cost = details.cost;
    this.notLeader = details.notLeader ?? false;
  }
}

export interface PeriodicAuditOptions {
  client: KubeClient;
  logger: Logger;
  registry: Registry;
  /**
   * One pass: the audit, its conditions written and its report published. It calls `judged` with
   * the findings before it writes the first condition, so the metrics never lag the conditions.
   */
  run: (judged: (findings: Record<CheckCategory, number>) => void) => Promise<PassResult>;
  initialDelayMs: number;
  intervalMs: number;
  now?: () => Date;
  /** A pass waits while new or changed work waits (docs/decisions/0067); without it, passes keep their time. */
  yieldTo?: NewWork;
}

/** The work a pass gives way to: how many new or changed tenants wait, and for how long at most to give way. */
export interface NewWork {
  waiting: () => number;
  /** The longest a pass is put off: a stream of new tenants delays the audit, it cannot stop it. */
  maxDeferMs: number;
  /** How often to look again while giving way (default 5 s). */
  checkMs?: number;
}

export const checkCategories: readonly CheckCategory[] = ['network', 'access', 'guardrails', 'database', 'key', 'inventory'];

/** Failed or incomplete checks, by category. */
export function countFindings(checks: readonly AuditCheck[]): Record<CheckCategory, number> {
  const findings = Object.fromEntries(checkCategories.map((category) => [category, 0])) as Record<CheckCategory, number>;
  for (const check of checks) if (check.result !== 'pass') findings[check.category] += 1;
  return findings;
}

export class PeriodicAudit {
  private readonly findings: Gauge;
  private readonly runs: Counter;
  private readonly lastSuccess: Gauge;
  private readonly cost: Gauge;

  constructor(private readonly options: PeriodicAuditOptions) {
    const registers = [options.registry];
    this.findings = new Gauge({
      name: 'bulkhead_audit_findings',
      help: 'Findings (failed or incomplete checks) of the latest isolation audit, by category.',
      labelNames: ['category'],
      registers,
    });
    this.runs = new Counter({
      name: 'bulkhead_audit_runs_total',
      help: 'Isolation audit runs, by result (success: the audit ran, whatever it found; error: it could not run).',
      labelNames: ['result'],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'bulkhead_audit_last_success_timestamp_seconds',
      help: 'When the latest isolation audit that ran to the end finished.',
      registers,
    });
    this.cost = new Gauge({
      name: 'bulkhead_audit_last_run_cost',
      labelNames: ['measure'],
      registers,
      help: 'The latest isolation audit run (whether it succeeded or not): seconds, peak_rss_bytes and peak_heap_used_bytes sampled while it ran, longest_stall_seconds of the event loop.',
    });
  }

  /** Runs until `signal` aborts: the first audit after the initial delay, then one per interval. */
  async run(signal: AbortSignal): Promise<void> {
    await sleep(this.options.initialDelayMs, signal);
    while (!signal.aborted) {
      await this.giveWayToNewWork(signal);
      if (signal.aborted) return;
      await this.runOnce(signal);
      await sleep(this.options.intervalMs, signal);
    }
  }

  /**
   * New and changed tenants go first (issue 17): while any wait in the work queue, the pass waits,
   * up to yieldTo.maxDeferMs. It would take the CPU they need, and judge tenants whose objects are
   * still being made (IsolationViolated until their next pass, docs/decisions/0031).
   */
  private async giveWayToNewWork(signal: AbortSignal): Promise<void> {
    const work = this.options.yieldTo;
    if (!work || work.waiting() === 0) return;
    const { logger } = this.options;
    const started = performance.now();
    logger.info('Isolation audit waits for new or changed tenants to be reconciled first', {
      waiting: work.waiting(),
      maxDeferSeconds: work.maxDeferMs / 1000,
    });
    while (!signal.aborted && work.waiting() > 0 && performance.now() - started < work.maxDeferMs) {
      await sleep(work.checkMs ?? 5_000, signal);
    }
    const deferredSeconds = Math.round(performance.now() - started) / 1000;
    logger.info('Isolation audit starts after waiting for new work', { deferredSeconds, stillWaiting: work.waiting() });
  }

  /**
   * One pass, recorded. A pass that fails makes every Tenant's condition Unknown, unless it failed
   * because this leader is stopping (`signal`): then the next leader's pass says what it finds.
   */
  async runOnce(signal?: AbortSignal): Promise<boolean> {
    const { logger } = this.options;
    try {
      const result = await this.options.run((findings) => this.setFindings(findings));
      this.setFindings(result.findings);
      this.runs.inc({ result: 'success' });
      this.lastSuccess.set(Date.now() / 1000);
      logger.info('Audited tenant isolation', {
        tenants: result.tenants,
        checks: result.checks,
        findings: Object.values(result.findings).reduce((sum, n) => sum + n, 0),
        conditionsChanged: result.conditionsChanged,
        ...(result.published
          ? {
              reportBytes: result.published.reportBytes,
              publishedParts: result.published.parts,
              compressedBytes: result.published.compressedBytes,
            }
          : {}),
        ...this.recordCost(result.cost),
      });
      return true;
    } catch (error) {
      this.runs.inc({ result: 'error' });
      const cost = error instanceof AuditPassFailed && error.cost ? this.recordCost(error.cost) : {};
      if (signal?.aborted || (error instanceof AuditPassFailed && error.notLeader)) {
        logger.info('Isolation audit stopped with the leadership; the next leader audits', { ...errorFields(error), ...cost });
        return false;
      }
      logger.error('Isolation audit failed; IsolationVerified becomes Unknown', { ...errorFields(error), ...cost });
      await this.markUnverified(error);
      return false;
    }
  }

  private setFindings(findings: Record<CheckCategory, number>): void {
    for (const category of checkCategories) this.findings.set({ category }, findings[category]);
  }

  private recordCost(cost: AuditCost): AuditCost {
    this.cost.set({ measure: 'seconds' }, cost.seconds);
    this.cost.set({ measure: 'peak_rss_bytes' }, cost.peakRssMiB * 1024 * 1024);
    this.cost.set({ measure: 'peak_heap_used_bytes' }, cost.peakHeapUsedMiB * 1024 * 1024);
    this.cost.set({ measure: 'longest_stall_seconds' }, cost.longestStallSeconds);
    return cost;
  }

  /** Every Tenant that can still be listed gets IsolationVerified=Unknown; if even that fails, the log says so. */
  private async markUnverified(error: unknown): Promise<void> {
    const message = errorMessage(error);
    try {
      const tenants = await listAll<Tenant>(this.options.client, apiVersion, tenantKind);
      await this.writeConditions(tenants, (tenant) => auditFailedCondition(tenant, message));
    } catch (listError) {
      this.options.logger.warn('Could not mark the tenants unverified', errorFields(listError));
    }
  }

  private async writeConditions(tenants: readonly Tenant[], conditionOf: (tenant: Tenant) => ConditionUpdate): Promise<number> {
    const now = (this.options.now ?? (() => new Date()))();
    return writeIsolationConditions({ client: this.options.client, logger: this.options.logger, now }, tenants, conditionOf);
  }
}
