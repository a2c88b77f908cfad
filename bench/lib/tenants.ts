/**
 * Creating many Tenants at once and watching them: for each tenant, when (on this process's clock)
 * its guardrail conditions were first all True and when Ready was first True for its generation.
 * A watch, not polling, so that measuring adds almost nothing to the API server's load; a broken
 * watch (say, kube-apiserver restarted) is re-listed and resumed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { apiVersion } from '../../operator/src/api/tenant.js';
import type { KubeClient } from '../../operator/src/kube/client.js';
import type { KubeObject } from '../../operator/src/runtime/types.js';
import { tenantManifest, type TenantObject } from '../../operator/test/support/tenants.js';
import { inPool } from './stats.js';

export const guardrailConditions = ['NamespaceReady', 'NetworkIsolated', 'RbacReady', 'QuotaReady'];

type Tenant = TenantObject & KubeObject;

export interface TenantTimes {
  created: number;
  guardrails?: number;
  ready?: number;
}

export const tenantNames = (prefix: string, count: number): string[] =>
  Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);

/** Creates the tenants with up to `concurrency` requests in flight; returns when each was accepted. */
export async function createTenants(
  client: KubeClient,
  names: string[],
  concurrency = 100,
  plan = 'standard',
): Promise<Map<string, number>> {
  const created = new Map<string, number>();
  await inPool(names, concurrency, async (name) => {
    await client.apply(tenantManifest(name, { plan }) as KubeObject, { fieldManager: 'kubectl', force: true });
    created.set(name, Date.now());
  });
  return created;
}

const isTrue = (tenant: Tenant, type: string): boolean =>
  tenant.status?.conditions?.some((c) => c.type === type && c.status === 'True') ?? false;

const isReady = (tenant: Tenant): boolean => tenant.status?.observedGeneration === tenant.metadata?.generation && isTrue(tenant, 'Ready');

export class TenantTracker {
  readonly times = new Map<string, TenantTimes>();
  readonly latest = new Map<string, Tenant>();
  /** Every "Type=Reason" seen on a condition that was not True, with the tenants it was seen on. */
  readonly reasonsSeen = new Map<string, Set<string>>();
  private readonly abort = new AbortController();
  private running: Promise<void> | undefined;

  constructor(
    private readonly client: KubeClient,
    private readonly start = Date.now(),
  ) {}

  expect(name: string, created: number): void {
    const times = this.times.get(name);
    if (times) times.created = created;
    else this.times.set(name, { created });
  }

  run(): void {
    this.running = this.loop();
  }

  private observe(tenant: Tenant): void {
    const name = tenant.metadata?.name ?? '';
    this.latest.set(name, tenant);
    this.recordReasons(name, tenant);
    const times = this.times.get(name) ?? { created: this.start };
    this.times.set(name, times);
    const now = Date.now();
    if (times.guardrails === undefined && guardrailConditions.every((type) => isTrue(tenant, type))) times.guardrails = now;
    if (times.ready === undefined && isReady(tenant)) times.ready = now;
  }

  private recordReasons(name: string, tenant: Tenant): void {
    for (const c of tenant.status?.conditions ?? []) {
      if (c.status === 'True') continue;
      const key = `${c.type}=${c.reason}`;
      this.reasonsSeen.set(key, (this.reasonsSeen.get(key) ?? new Set()).add(name));
    }
  }

  private async loop(): Promise<void> {
    while (!this.abort.signal.aborted) {
      try {
        const list = await this.client.list<Tenant>(apiVersion, 'Tenant');
        for (const tenant of list.items) this.observe(tenant);
        await this.client.watch<Tenant>(
          { apiVersion, kind: 'Tenant', resourceVersion: list.resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 120 },
          (event) => {
            if (event.type === 'ADDED' || event.type === 'MODIFIED') this.observe(event.object);
          },
          this.abort.signal,
        );
      } catch {
        if (!this.abort.signal.aborted) await sleep(500);
      }
    }
  }

  /** Resolves with the first tenant (of `among`, when given) seen with `type` not True for `reason`. */
  async waitReason(type: string, reason: string, timeoutMs: number, among?: readonly string[]): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = [...(this.reasonsSeen.get(`${type}=${reason}`) ?? [])].filter((name) => among === undefined || among.includes(name));
      if (seen.length > 0) return seen[0] ?? '';
      if (Date.now() > deadline)
        throw new Error(
          `no tenant showed ${type} ${reason} within ${timeoutMs / 1000} s (seen: ${[...this.reasonsSeen.keys()].join(', ')})`,
        );
      await sleep(100);
    }
  }

  /**
   * Resolves once every name is Ready, or rejects after timeoutMs naming the ones that are not, or
   * at once with the signal's reason when it aborts (say, the operator exited).
   */
  async waitReady(names: string[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal?.throwIfAborted();
      const pending = names.filter((name) => this.times.get(name)?.ready === undefined);
      if (pending.length === 0) return;
      if (Date.now() > deadline) {
        const sample = pending.slice(0, 5).map((name) => `${name}: ${this.blocking(name)}`);
        throw new Error(`${pending.length} tenants not Ready after ${timeoutMs / 1000} s, e.g. ${sample.join('; ')}`);
      }
      await sleep(100);
    }
  }

  /** The condition reasons that keep a tenant from Ready, for error messages. */
  blocking(name: string): string {
    const conditions = this.latest.get(name)?.status?.conditions ?? [];
    const notTrue = conditions.filter((c) => c.status !== 'True').map((c) => `${c.type}=${c.reason}`);
    return notTrue.length > 0 ? notTrue.join(',') : 'no status yet';
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }
}
