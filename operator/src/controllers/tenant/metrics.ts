/**
 * The tenant controller's own metrics, Capsule's per-phase and per-condition view without its
 * per-tenant labels: bulkhead_tenant_step_duration_seconds{step,result}, how long each step of the
 * checklist took and how it ended, and bulkhead_tenants{condition,status}, the tenants in the
 * informer's cache counted by condition, computed at scrape time; and bulkhead_release_renders_total,
 * the `helm template` runs, which a re-sync of unchanged tenants should not need. No label names a tenant, so a
 * thousand tenants cost no more series than one.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { ConditionType, conditionStatuses, findCondition, Reason, type ConditionStatus } from '../../api/conditions.js';
import type { Tenant } from '../../api/tenant.js';
import type { StepOutcome } from './context.js';

/** How a step ended: done (True), still converging (Progressing), or failed (any other reason). */
export type StepResult = 'success' | 'progressing' | 'error';

export interface StepMetrics {
  observeStep(step: ConditionType, result: StepResult, seconds: number): void;
  /** One `helm template` run (a render the renderer's cache did not have). */
  observeRender?(): void;
}

export const noopStepMetrics: StepMetrics = { observeStep: () => undefined };

export function stepResult(outcome: Pick<StepOutcome, 'status' | 'reason'>): StepResult {
  if (outcome.status === 'True') return 'success';
  return outcome.reason === Reason.Progressing ? 'progressing' : 'error';
}

/** From a few milliseconds (a cached apply) to the minute a KMS pacer or a helm render may take. */
const stepBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * Tenants per condition type and status. Every type the operator reports is counted for every
 * tenant, a missing condition as Unknown (a tenant not yet reconciled, an audit not yet run), so
 * each type's statuses add up to the number of tenants and a series is 0, never absent. Suspended
 * is the exception: a tenant never suspended has none, and is counted False.
 */
export function countConditions(tenants: readonly Tenant[]): Map<string, Map<ConditionStatus, number>> {
  const counts = new Map(
    Object.values(ConditionType).map((type) => [type as string, new Map(conditionStatuses.map((status) => [status, 0]))]),
  );
  for (const tenant of tenants) {
    for (const [type, byStatus] of counts) {
      const status = findCondition(tenant.status?.conditions, type)?.status ?? (type === ConditionType.Suspended ? 'False' : 'Unknown');
      byStatus.set(status, (byStatus.get(status) ?? 0) + 1);
    }
  }
  return counts;
}

/** Registers the metrics on `registry`; `tenants` is read at each scrape (the informer's store). */
export function createTenantMetrics(registry: Registry, tenants: () => readonly Tenant[]): StepMetrics {
  const steps = new Histogram({
    name: 'bulkhead_tenant_step_duration_seconds',
    help: 'Duration of one step of the tenant reconcile, by step (its condition type) and result (success, progressing, error).',
    labelNames: ['step', 'result'],
    buckets: stepBuckets,
    registers: [registry],
  });
  new Gauge({
    name: 'bulkhead_tenants',
    help: "Tenants in the operator's cache by condition type and status (a missing condition counts as Unknown).",
    labelNames: ['condition', 'status'],
    registers: [registry],
    collect() {
      for (const [condition, byStatus] of countConditions(tenants())) {
        for (const [status, count] of byStatus) this.set({ condition, status }, count);
      }
    },
  });
  const renders = new Counter({
    name: 'bulkhead_release_renders_total',
    help: "Runs of `helm template` for tenants' releases (renders the renderer's cache did not have).",
    registers: [registry],
  });
  return { observeStep: (step, result, seconds) => steps.observe({ step, result }, seconds), observeRender: () => renders.inc() };
}
