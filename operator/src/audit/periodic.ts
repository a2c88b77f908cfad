/**
 * The isolation audit the operator's leader runs on a period (docs/decisions/0005): after each run
 * every Tenant's IsolationVerified condition says what the audit found about it, the findings are
 * counted in metrics, and the signed report is published for the onboarding API's auditors. A run
 * that fails as a whole makes every Tenant's condition Unknown (AuditFailed, with the error): an
 * audit that could not look verified nothing, so an earlier True must not stand
 * (docs/decisions/0018). It is retried at the next period.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ConditionUpdate } from '../api/conditions.js';
import { apiVersion, tenantKind, type Tenant } from '../api/tenant.js';
import type { KubeClient } from '../kube/client.js';
import { sleep } from '../runtime/backoff.js';
import { errorFields, type Logger } from '../runtime/logging.js';
import { listAll } from './cluster-reads.js';
import { AuditCostMeter, type AuditCost, type PhaseMarks } from './cost.js';
import { auditFailedCondition, isolationConditions, writeIsolationCondition } from './isolation-condition.js';
import type { AuditCheck, CheckCategory } from './model.js';
import { publishReport, type PublishTarget } from './publish.js';
import { errorMessage } from '../runtime/errors.js';

/** What one audit run hands back: the tenants it judged, its checks, and the report as signed (if signed). */
export interface AuditRunOutcome {
  tenants: Tenant[];
  checks: AuditCheck[];
  report?: Buffer;
}

export interface PeriodicAuditOptions {
  client: KubeClient;
  logger: Logger;
  registry: Registry;
  /** One audit; it marks its steps on `phases` so the logged cost says where the peak was. */
  run: (phases: PhaseMarks) => Promise<AuditRunOutcome>;
  initialDelayMs: number;
  intervalMs: number;
  /** Where the latest report goes; undefined to keep it to the logs and metrics. */
  publishTo?: PublishTarget;
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

const categories: CheckCategory[] = ['network', 'access', 'guardrails', 'database', 'key', 'inventory'];

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
      await this.runOnce();
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

  async runOnce(): Promise<boolean> {
    const { logger } = this.options;
    const meter = new AuditCostMeter();
    try {
      // Each step is logged as it ends: a run cut short (a lost lease, an OOM kill) still says how far it got and what it cost.
      const steps = { mark: (phase: string) => logger.info('Audit step finished', { ...meter.mark(phase) }) };
      const outcome = await this.options.run(steps);
      this.count(outcome.checks);
      const changed = await this.updateConditions(outcome);
      steps.mark('conditions written');
      const published =
        this.options.publishTo && outcome.report
          ? await publishReport(this.options.client, this.options.publishTo, outcome.report)
          : undefined;
      if (published) steps.mark('published');
      this.runs.inc({ result: 'success' });
      this.lastSuccess.set(Date.now() / 1000);
      const findings = outcome.checks.filter((check) => check.result !== 'pass').length;
      logger.info('Audited tenant isolation', {
        tenants: outcome.tenants.length,
        checks: outcome.checks.length,
        findings,
        conditionsChanged: changed,
        ...(published
          ? { reportBytes: outcome.report?.length, publishedParts: published.parts, compressedBytes: published.compressedBytes }
          : {}),
        ...this.recordCost(meter),
      });
      return true;
    } catch (error) {
      this.runs.inc({ result: 'error' });
      logger.error('Isolation audit failed; IsolationVerified becomes Unknown', { ...errorFields(error), ...this.recordCost(meter) });
      await this.markUnverified(error);
      return false;
    }
  }

  private recordCost(meter: AuditCostMeter): AuditCost {
    const cost = meter.stop();
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

  private count(checks: readonly AuditCheck[]): void {
    for (const category of categories) {
      this.findings.set({ category }, checks.filter((check) => check.category === category && check.result !== 'pass').length);
    }
  }

  private updateConditions(outcome: AuditRunOutcome): Promise<number> {
    return this.writeConditions(outcome.tenants, isolationConditions(outcome.checks));
  }

  /** Tenants being deleted are left alone: their condition no longer matters and the write could race the finalizer. */
  private async writeConditions(tenants: readonly Tenant[], conditionOf: (tenant: Tenant) => ConditionUpdate): Promise<number> {
    const now = (this.options.now ?? (() => new Date()))();
    let changed = 0;
    for (const tenant of tenants.filter((t) => !t.metadata.deletionTimestamp)) {
      const wrote = await writeIsolationCondition(this.options.client, tenant, conditionOf(tenant), now).catch((error: unknown) => {
        this.options.logger.warn('Could not set IsolationVerified', { tenant: tenant.metadata.name, ...errorFields(error) });
        return false;
      });
      if (wrote) changed += 1;
    }
    return changed;
  }
}
