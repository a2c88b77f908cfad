/**
 * The KMS side of `make bench`. BENCH_KMS_THROTTLE=<requests/s> puts testenv's throttling proxy
 * in front of moto, answering ThrottlingException above that rate per region and key-changing
 * operation as AWS KMS does (BENCH_KMS_THROTTLE=count: count only, throttle nothing); the
 * operator (under tsx and compiled) reaches KMS through it. The proxy counts every request by
 * operation and phase, and kmsCostEstimate turns requests per tenant into what N tenants cost at
 * the operator's budgets (AWS's default quotas): each operation is paced on its own, so the
 * slowest one sets the time.
 */
import { KmsThrottleProxy, kmsMutatingOperations } from '../../testenv/src/kms-throttle-proxy.js';
import { kmsRequestsPerSecondDefaults } from '../../operator/src/api/operator-config.js';
import type { Environment } from '../../testenv/src/environment.js';
import { regionSettings } from './operator-settings.js';

/** The rate BENCH_KMS_THROTTLE asks for: a number, Infinity for `count`, undefined when unset. */
export function kmsThrottleRate(value = process.env.BENCH_KMS_THROTTLE): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value === 'count') return Number.POSITIVE_INFINITY;
  const rate = Number(value);
  if (!(rate > 0))
    throw new Error(`BENCH_KMS_THROTTLE must be a rate above 0 (requests per second) or "count", not ${JSON.stringify(value)}`);
  return rate;
}

export interface KmsPhase {
  /** Requests per tenant that reached moto, by operation. */
  perTenant: Record<string, number>;
  /** Requests the proxy answered with ThrottlingException, by operation (totals, not per tenant). */
  throttled: Record<string, number>;
  /** The most requests of each key-changing operation that arrived within one second. */
  mostInOneSecond: Record<string, number>;
}

export interface KmsMeasurement {
  throttleRate: number | null;
  onboarding: KmsPhase;
  resync: KmsPhase;
  /** bulkhead_provider_throttled_total of the onboarding operator, by "by" (provider, pacer). */
  operatorThrottles: Record<string, number>;
}

/**
 * One operator measurement's KMS counting: the proxy, the environment as the operators see it
 * (KMS at the proxy), and the moments each phase began and ended. Without BENCH_KMS_THROTTLE it
 * counts nothing and changes nothing.
 */
export class KmsCounting {
  private readonly marks: Record<string, [number, number]> = {};

  private constructor(
    readonly env: Environment,
    private readonly proxy?: KmsThrottleProxy,
    private readonly rate?: number,
  ) {}

  static async start(env: Environment, rate = kmsThrottleRate()): Promise<KmsCounting> {
    if (rate === undefined) return new KmsCounting(env);
    const proxy = await KmsThrottleProxy.start(env.kms.endpoint, { requestsPerSecond: rate });
    return new KmsCounting({ ...env, kms: { ...env.kms, endpoint: proxy.url } }, proxy, rate);
  }

  /** What every operator of the run is started with: its regions' KMS at the proxy. */
  get operatorSettings(): Record<string, unknown> {
    return this.proxy ? { regions: regionSettings(this.env) } : {};
  }

  begin(phase: 'onboarding' | 'resync'): void {
    this.marks[phase] = [performance.now(), Number.POSITIVE_INFINITY];
  }

  end(phase: 'onboarding' | 'resync'): void {
    const mark = this.marks[phase];
    if (mark) mark[1] = performance.now();
  }

  /** The counts per phase (undefined when not counting); `operatorThrottles` as the operator's metrics had them. */
  measurement(tenants: number, operatorThrottles: Record<string, number>): KmsMeasurement | undefined {
    if (!this.proxy) return undefined;
    const phase = (name: string): KmsPhase => kmsPhase(this.proxy as KmsThrottleProxy, ...(this.marks[name] ?? [0, 0]), tenants);
    return {
      throttleRate: Number.isFinite(this.rate) ? (this.rate ?? null) : null,
      onboarding: phase('onboarding'),
      resync: phase('resync'),
      operatorThrottles,
    };
  }

  /** The operator's own count of KMS throttles, by who held the request back (provider, pacer). */
  async operatorThrottles(metricsUrl: string): Promise<Record<string, number>> {
    if (!this.proxy) return {};
    const text = await (await fetch(metricsUrl)).text();
    const counts: Record<string, number> = {};
    for (const m of text.matchAll(/^bulkhead_provider_throttled_total\{([^}]*)\} (\S+)$/gm)) {
      const labels = m[1] ?? '';
      const by = /by="(\w+)"/.exec(labels)?.[1] ?? '?';
      if (labels.includes('provider="kms"')) counts[by] = (counts[by] ?? 0) + Number(m[2]);
    }
    return counts;
  }

  async close(): Promise<void> {
    await this.proxy?.close();
  }
}

/** What the proxy saw between two moments (performance.now()), per tenant. */
export function kmsPhase(proxy: KmsThrottleProxy, from: number, to: number, tenants: number): KmsPhase {
  const inPhase = proxy.requests.filter((r) => r.at >= from && r.at <= to);
  const perTenant: Record<string, number> = {};
  const throttled: Record<string, number> = {};
  for (const r of inPhase) {
    if (r.throttled) throttled[r.operation] = (throttled[r.operation] ?? 0) + 1;
    else perTenant[r.operation] = (perTenant[r.operation] ?? 0) + 1 / tenants;
  }
  const mostInOneSecond: Record<string, number> = {};
  for (const operation of kmsMutatingOperations) {
    const most = mostWithinOneSecond(inPhase.filter((r) => r.operation === operation).map((r) => r.at));
    if (most > 0) mostInOneSecond[operation] = most;
  }
  const round = (counts: Record<string, number>): Record<string, number> =>
    Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round(v * 100) / 100]));
  return { perTenant: round(perTenant), throttled, mostInOneSecond };
}

/** The most of these moments (ms, ascending) within any one second. */
function mostWithinOneSecond(times: number[]): number {
  let first = 0;
  let most = 0;
  for (let last = 0; last < times.length; last++) {
    while ((times[last] ?? 0) - (times[first] ?? 0) >= 1000) first += 1;
    most = Math.max(most, last - first + 1);
  }
  return most;
}

/** A model of one new tenant's KMS requests, read from aws-kms.ts, for when nothing was measured. */
export const modelledOnboardingPerTenant: Record<string, number> = {
  DescribeKey: 1,
  ListKeys: 1,
  ListResourceTags: 1,
  CreateKey: 1,
  CreateAlias: 1,
  GetKeyRotationStatus: 1,
  EnableKeyRotation: 1,
};
/** A model of one Ready tenant's re-sync: alias, its tag, rotation and policy read, nothing written. */
export const modelledResyncPerTenant: Record<string, number> = {
  DescribeKey: 1,
  ListResourceTags: 1,
  GetKeyRotationStatus: 1,
  GetKeyPolicy: 1,
};
/** A model of one tenant's deletion (crypto-shredding). */
export const modelledDeletionPerTenant: Record<string, number> = { DescribeKey: 2, ListKeys: 1, ScheduleKeyDeletion: 1, DeleteAlias: 1 };

export interface CostRow {
  operation: string;
  perTenant: number;
  budget: number;
  seconds: number;
}

/** Seconds each operation needs for `tenants` at its budget, slowest first; the first row sets the time. */
export function kmsCostEstimate(
  perTenant: Record<string, number>,
  tenants = 1000,
  budgets: Record<string, number> = kmsRequestsPerSecondDefaults,
): CostRow[] {
  return Object.entries(perTenant)
    .map(([operation, count]) => {
      const budget = budgets[operation] ?? Number.POSITIVE_INFINITY;
      return { operation, perTenant: count, budget, seconds: Math.round(((count * tenants) / budget) * 10) / 10 };
    })
    .sort((a, b) => b.seconds - a.seconds);
}
