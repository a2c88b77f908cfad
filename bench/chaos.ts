/**
 * `make chaos`: the operator's survival under faults, on one fresh environment, scenario after
 * scenario (tenants accumulate, so later faults also hit a fleet that is already Ready):
 * kill -9 at random moments, kube-apiserver restarted, PostgreSQL restarted, the KMS emulator
 * unreachable, and leader failover under load. After each: exactly one namespace, database, role
 * and live key per tenant, no orphans, and nothing lost that existed before.
 *
 *   CHAOS_TENANTS=50 CHAOS_KILLS=8 CHAOS_SMALL=20 node --import tsx bench/chaos.ts
 *
 * Prints a table, writes bench/results/chaos.json, and exits 1 if any check found a problem.
 */
import { KubeClient } from '../operator/src/kube/client.js';
import type { Environment } from '../testenv/src/environment.js';
import type { ChaosContext, ScenarioResult } from './lib/chaos-context.js';
import { killRepeatedly, kmsOutage, leaderFailover, restartApiServer, restartPostgres } from './lib/chaos-scenarios.js';
import { withEnvironment } from './lib/environment.js';
import { runBench } from './lib/run-guard.js';
import { FaultProxy } from './lib/fault-proxy.js';
import { regionSettings } from './lib/operator-settings.js';
import { provenance, writeResult } from './lib/results.js';
import { seconds, table } from './lib/stats.js';
import { Supervisor } from './lib/supervisor.js';
import { TenantTracker } from './lib/tenants.js';

const tenants = Number(process.env.CHAOS_TENANTS ?? 50);
const kills = Number(process.env.CHAOS_KILLS ?? 8);
const small = Number(process.env.CHAOS_SMALL ?? 20);

/**
 * Through the KMS proxy; without the periodic isolation audit, whose first pass blocks the leader
 * long enough to lose its lease once ~200 tenants exist (docs/performance.md): CHAOS_AUDIT=1 keeps it.
 */
function chaosOperatorSettings(env: Environment, kms: FaultProxy): Record<string, unknown> {
  return { regions: regionSettings(env, kms.url), audit: { enabled: process.env.CHAOS_AUDIT === '1' } };
}

type Scenario = [string, (context: ChaosContext) => Promise<ScenarioResult>];

const scenarios: Scenario[] = [
  ['kill -9', (c) => killRepeatedly(c, tenants, kills)],
  ['kube-apiserver restart', (c) => restartApiServer(c, small, 10_000)],
  ['PostgreSQL restart', (c) => restartPostgres(c, small, 10_000)],
  ['KMS unreachable', (c) => kmsOutage(c, small, 30_000)],
  ['leader failover (SIGKILL)', (c) => leaderFailover(c, tenants, 'SIGKILL')],
  ['leader failover (SIGTERM)', (c) => leaderFailover(c, tenants, 'SIGTERM')],
];

async function runScenario(context: ChaosContext, [name, run]: Scenario): Promise<ScenarioResult> {
  console.log(`== ${name}`);
  const started = Date.now();
  try {
    const outcome = await run(context);
    console.log(`   done in ${seconds(Date.now() - started)} s; ${outcome.problems.length} problem(s)`);
    return outcome;
  } catch (error) {
    console.log(`   FAILED: ${String(error)}`);
    return { scenario: name, tenants: 0, timings: {}, reasonsSeen: {}, problems: [String(error)], notes: [] };
  }
}

function printTable(results: ScenarioResult[]): void {
  console.log(
    `\n${table(
      ['scenario', 'tenants', 'timings (s)', 'conditions seen (tenants)', 'check'],
      results.map((r) => [
        r.scenario,
        r.tenants,
        Object.entries(r.timings)
          .map(([k, v]) => `${k.replace(/Ms$/, '')} ${seconds(v)}`)
          .join('; '),
        Object.entries(r.reasonsSeen)
          .map(([k, v]) => `${k} (${v})`)
          .join(', ') || '-',
        r.problems.length === 0
          ? 'one of each, no orphans, nothing lost'
          : `${r.problems.length} problem(s): ${r.problems.slice(0, 3).join('; ')}`,
      ]),
    )}`,
  );
}

async function main(): Promise<number> {
  const { results, origin } = await withEnvironment('chaos', async (env) => {
    const client = KubeClient.load(env.kubeconfig);
    const kms = await FaultProxy.start(env.kms.endpoint);
    const tracker = new TenantTracker(client);
    tracker.run();
    const operator = new Supervisor(chaosOperatorSettings(env, kms));
    const context: ChaosContext = { env, client, tracker, kms, operator };
    try {
      const outcomes: ScenarioResult[] = [];
      for (const scenario of scenarios) outcomes.push(await runScenario(context, scenario));
      return { results: outcomes, origin: provenance(env) };
    } finally {
      await operator.stop();
      await tracker.stop();
      await kms.close();
      client.close();
    }
  });
  printTable(results);
  console.log(`\nwrote ${writeResult('chaos', { ...origin, settings: { tenants, kills, small }, results })}`);
  return results.some((r) => r.problems.length > 0) ? 1 : 0;
}

await runBench(main);
