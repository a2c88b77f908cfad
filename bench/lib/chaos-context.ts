/** What every chaos scenario works with, and the check each ends with. */
import type { KubeClient } from '../../operator/src/kube/client.js';
import type { Environment } from '../../testenv/src/environment.js';
import type { FaultProxy } from './fault-proxy.js';
import { inventoryProblems, lostSince, takeInventory, type Inventory } from './inventory.js';
import type { Supervisor } from './supervisor.js';
import type { TenantTracker } from './tenants.js';

export interface ChaosContext {
  env: Environment;
  client: KubeClient;
  tracker: TenantTracker;
  /** The operator reaches the KMS emulator through this proxy. */
  kms: FaultProxy;
  operator: Supervisor;
  /** The inventory after the previous scenario: nothing in it may be lost later. */
  previous?: Inventory;
}

export interface ScenarioResult {
  scenario: string;
  tenants: number;
  /** Milliseconds that matter to the scenario (fault to recovery, and so on). */
  timings: Record<string, number>;
  /** Non-True conditions seen during the scenario, with how many of its tenants showed each. */
  reasonsSeen: Record<string, number>;
  problems: string[];
  notes: string[];
}

/** Exactly one of everything per tenant, no orphans, nothing lost since the previous scenario. */
export async function finalCheck(context: ChaosContext): Promise<string[]> {
  const inventory = await takeInventory(context.env, context.client);
  const problems = [...inventoryProblems(inventory), ...(context.previous ? lostSince(context.previous, inventory) : [])];
  context.previous = inventory;
  return problems;
}

export function reasonsOf(context: ChaosContext, names: string[]): Record<string, number> {
  const ours = new Set(names);
  const counts: Record<string, number> = {};
  for (const [reason, tenants] of context.tracker.reasonsSeen) {
    const count = [...tenants].filter((t) => ours.has(t)).length;
    if (count > 0) counts[reason] = count;
  }
  return counts;
}
