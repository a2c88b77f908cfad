/**
 * Prometheus metrics with controller-runtime's and client-go's names, so existing dashboards and
 * alerts work unchanged. Every RuntimeMetrics owns its own prom-client Registry (never the global
 * one), so tests can create as many as they like.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { PacerMetrics } from './pacer.js';

export type ReconcileResult = 'success' | 'error' | 'requeue_after';

/** What a WorkQueue reports; see client-go's workqueue metrics. */
export interface WorkQueueMetrics {
  /** Keys waiting at one priority (queued, or re-added while being processed). */
  setDepth(depth: number, priority: number): void;
  added(): void;
  retried(): void;
  /** How long a key waited between add and get. */
  observeQueueDuration(seconds: number): void;
  /** How long a key was processed, between get and done. */
  observeWorkDuration(seconds: number): void;
}

/** What a Controller reports; see controller-runtime's internal/controller/metrics. */
export interface ControllerMetrics {
  observeReconcile(result: ReconcileResult, seconds: number): void;
  setActiveWorkers(count: number): void;
  setMaxConcurrentReconciles(count: number): void;
}

export interface LeaderElectionMetrics {
  setLeading(leading: boolean): void;
}

/** How long a provider's caller waited for a connection under the per-server bound. */
export interface ConnectionWaitMetrics {
  observeWait(kind: string, seconds: number): void;
}

/** What the providers report about pacing: waits for a turn or a connection, throttles, current rates. */
export interface ProviderMetrics {
  kmsPacer(region: string): PacerMetrics;
  connectionWaits(region: string): ConnectionWaitMetrics;
}

export const noopWorkQueueMetrics: WorkQueueMetrics = {
  setDepth: () => undefined,
  added: () => undefined,
  retried: () => undefined,
  observeQueueDuration: () => undefined,
  observeWorkDuration: () => undefined,
};

export const noopControllerMetrics: ControllerMetrics = {
  observeReconcile: () => undefined,
  setActiveWorkers: () => undefined,
  setMaxConcurrentReconciles: () => undefined,
};

export const noopLeaderElectionMetrics: LeaderElectionMetrics = { setLeading: () => undefined };

export interface RuntimeMetricsOptions {
  /** Register on this registry instead of a new one. */
  registry?: Registry;
  /** Node process metrics (CPU, memory, event loop lag, GC); default true. */
  collectDefaultMetrics?: boolean;
}

/** controller-runtime's reconcile_time_seconds buckets. */
const reconcileBuckets = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1, 1.25, 1.5, 1.75, 2, 2.5, 3, 3.5, 4, 4.5,
  5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
];
/** Waits for a provider's turn: none, a fraction of a KMS spacing, up to the longest a reconcile waits. */
const providerWaitBuckets = [0.001, 0.01, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30];
/** client-go's workqueue buckets: 10 ns to 1000 s, ×10 each. */
const workQueueBuckets = Array.from({ length: 12 }, (_, i) => 1e-8 * 10 ** i);

/** All runtime metrics on one registry; hand out per-queue, per-controller views. */
export class RuntimeMetrics {
  readonly registry: Registry;
  private readonly reconcileTotal: Counter<'controller' | 'result'>;
  private readonly reconcileErrors: Counter<'controller'>;
  private readonly reconcileTime: Histogram<'controller'>;
  private readonly activeWorkers: Gauge<'controller'>;
  private readonly maxConcurrent: Gauge<'controller'>;
  private readonly depth: Gauge<'name' | 'priority'>;
  private readonly adds: Counter<'name'>;
  private readonly retries: Counter<'name'>;
  private readonly queueDuration: Histogram<'name'>;
  private readonly workDuration: Histogram<'name'>;
  private readonly leaderStatus: Gauge<'name'>;
  private providerMetrics: ProviderMetrics | undefined;

  constructor(options: RuntimeMetricsOptions = {}) {
    this.registry = options.registry ?? new Registry();
    if (options.collectDefaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const registers = [this.registry];
    const byController = { labelNames: ['controller'] as const, registers };
    const byName = { labelNames: ['name'] as const, registers };
    this.reconcileTotal = new Counter({
      name: 'controller_runtime_reconcile_total',
      help: 'Total number of reconciliations per controller',
      labelNames: ['controller', 'result'],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: 'controller_runtime_reconcile_errors_total',
      help: 'Total number of reconciliation errors per controller',
      ...byController,
    });
    this.reconcileTime = new Histogram({
      name: 'controller_runtime_reconcile_time_seconds',
      help: 'Length of time per reconciliation per controller',
      buckets: reconcileBuckets,
      ...byController,
    });
    this.activeWorkers = new Gauge({
      name: 'controller_runtime_active_workers',
      help: 'Number of currently used workers per controller',
      ...byController,
    });
    this.maxConcurrent = new Gauge({
      name: 'controller_runtime_max_concurrent_reconciles',
      help: 'Maximum number of concurrent reconciles per controller',
      ...byController,
    });
    // With a priority label, as controller-runtime's priority queue reports it ("0", "-100").
    this.depth = new Gauge({
      name: 'workqueue_depth',
      help: 'Current depth of workqueue by workqueue and priority',
      labelNames: ['name', 'priority'],
      registers,
    });
    this.adds = new Counter({ name: 'workqueue_adds_total', help: 'Total number of adds handled by workqueue', ...byName });
    this.retries = new Counter({
      name: 'workqueue_retries_total',
      help: 'Total number of retries handled by workqueue',
      ...byName,
    });
    this.queueDuration = new Histogram({
      name: 'workqueue_queue_duration_seconds',
      help: 'How long in seconds an item stays in workqueue before being requested',
      buckets: workQueueBuckets,
      ...byName,
    });
    this.workDuration = new Histogram({
      name: 'workqueue_work_duration_seconds',
      help: 'How long in seconds processing an item from workqueue takes',
      buckets: workQueueBuckets,
      ...byName,
    });
    this.leaderStatus = new Gauge({
      name: 'leader_election_master_status',
      help: 'Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master',
      ...byName,
    });
  }

  workQueue(name: string): WorkQueueMetrics {
    const labels = { name };
    return {
      setDepth: (depth, priority) => this.depth.set({ ...labels, priority: String(priority) }, depth),
      added: () => this.adds.inc(labels),
      retried: () => this.retries.inc(labels),
      observeQueueDuration: (seconds) => this.queueDuration.observe(labels, seconds),
      observeWorkDuration: (seconds) => this.workDuration.observe(labels, seconds),
    };
  }

  controller(name: string): ControllerMetrics {
    const labels = { controller: name };
    // Initialise the series at zero so rate() works from the first scrape, as controller-runtime does.
    for (const result of ['success', 'error', 'requeue_after'] as const) {
      this.reconcileTotal.inc({ ...labels, result }, 0);
    }
    this.reconcileErrors.inc(labels, 0);
    return {
      observeReconcile: (result, seconds) => {
        this.reconcileTotal.inc({ ...labels, result });
        if (result === 'error') this.reconcileErrors.inc(labels);
        this.reconcileTime.observe(labels, seconds);
      },
      setActiveWorkers: (count) => this.activeWorkers.set(labels, count),
      setMaxConcurrentReconciles: (count) => this.maxConcurrent.set(labels, count),
    };
  }

  /**
   * bulkhead_provider_wait_seconds{provider,region,operation} (its _count is the requests sent),
   * bulkhead_provider_throttled_total{provider,region,operation,by} (by: provider, when KMS
   * answered ThrottlingException; pacer, when the operator's own budget had no turn soon enough),
   * and bulkhead_kms_request_rate{region,operation}, the rate the pacer allows now. Labels are
   * regions and operations, never tenants.
   */
  providers(): ProviderMetrics {
    if (this.providerMetrics) return this.providerMetrics;
    const registers = [this.registry];
    const waits = new Histogram({
      name: 'bulkhead_provider_wait_seconds',
      help: 'Time a provider request waited for its turn (KMS pacer) or a connection (PostgreSQL bound), by provider, region and operation.',
      labelNames: ['provider', 'region', 'operation'],
      buckets: providerWaitBuckets,
      registers,
    });
    const throttles = new Counter({
      name: 'bulkhead_provider_throttled_total',
      help: 'Provider requests throttled, by provider, region, operation and by whom (provider: the provider refused; pacer: the operator held it back).',
      labelNames: ['provider', 'region', 'operation', 'by'],
      registers,
    });
    const rates = new Gauge({
      name: 'bulkhead_kms_request_rate',
      help: 'Requests per second the operator allows itself now, per KMS region and operation (its budget, or less after a throttle).',
      labelNames: ['region', 'operation'],
      registers,
    });
    this.providerMetrics = {
      kmsPacer: (region) => ({
        observeWait: (operation, seconds) => waits.observe({ provider: 'kms', region, operation }, seconds),
        refused: (operation) => throttles.inc({ provider: 'kms', region, operation, by: 'pacer' }),
        throttled: (operation) => throttles.inc({ provider: 'kms', region, operation, by: 'provider' }),
        setRate: (operation, perSecond) => rates.set({ region, operation }, perSecond),
      }),
      connectionWaits: (region) => ({
        observeWait: (operation, seconds) => waits.observe({ provider: 'postgres', region, operation }, seconds),
      }),
    };
    return this.providerMetrics;
  }

  leaderElection(name: string): LeaderElectionMetrics {
    const labels = { name };
    this.leaderStatus.set(labels, 0);
    return { setLeading: (leading) => this.leaderStatus.set(labels, leading ? 1 : 0) };
  }
}

/** A fresh registry with the runtime's metrics (and, by default, Node process metrics). */
export function createRuntimeMetrics(options: RuntimeMetricsOptions = {}): RuntimeMetrics {
  return new RuntimeMetrics(options);
}
