/**
 * `make bench`: time to Ready for N tenants created at once, by the operator and by a plain
 * script that does the same work with no controller (the machine's limit), side by side; API
 * requests per tenant; writes in steady state; operator memory; re-sync time after a restart;
 * then, on the operator's environment with its N tenants, the onboarding API under load and (with
 * BENCH_AUDIT=1) the isolation audit, periodic and CLI: one run measures every target of issue 17
 * and ends with the table "Issue 17 targets, this run" (bench/lib/issue17-targets.ts), each
 * target met, missed or not measured, and the load average at the start and after each phase.
 *
 *   SIZES=1,50,200,1000 TIERS=silo,pooled IDLE_SECONDS=60 PLAIN_CONCURRENCY=200 OPERATOR_WORKERS=4 BENCH_AUDIT=0 node --import tsx bench/onboarding.ts
 *   SIZES=1000 BENCH_AUDIT=1 make bench    # every issue 17 target in one run
 *
 * BENCH_AUDIT=1 runs the operator with its periodic isolation audit on as it ships (first pass 60 s
 * after it leads, then every 600 s), signing with a key the bench puts in a Secret. Once all
 * tenants are Ready the bench waits for the first pass that *started* after the last Ready (a pass
 * dates from its "Audited tenant isolation" line less the seconds it logs) to end, at most
 * BENCH_AUDIT_WAIT_SECONDS (default the larger of 1800 and 3 per tenant), and records its cost
 * (seconds, peak RSS under tsx, longest stall, report and compressed bytes, parts), whether the
 * leader kept its lease (no loss logged, one acquisition) and whether the published report
 * reassembles and verifies with the bench's key (bench/lib/periodic-audit.ts); the idle window
 * follows it. BENCH_AUDIT_INTERVAL=<seconds> sets audit.intervalSeconds (at least 60; more passes
 * during onboarding than the product runs). After the operator's half, the compiled `bulkhead
 * audit` runs over the same tenants with the shipped login sample (exit code, time, peak RSS,
 * longest stall: bench/lib/cli-audit.ts); BENCH_CLI_AUDIT=0 leaves it out. BENCH_AUDIT=0 (the
 * default) runs none of the audit phases.
 *
 * Then the onboarding API (`bulkhead api`, bench/lib/api-load.ts) answers GET /v1/tenants/{name}
 * over the N tenants: a 5 s warm-up, API_SECONDS (20) as fast as it goes (the max throughput),
 * API_SECONDS at API_RATE (1000) requests/s where the p99 is read, API_CONNECTIONS (20)
 * connections; BENCH_API=0 leaves it out.
 *
 * TIERS (default silo): silo onboards tenants on plan `standard` (a database, key, namespace and
 * release each); pooled on plan `bench-pooled`, crds/examples/plans/pooled-release.yaml with the key
 * Shared too (a schema in the pool database, a grant and data key on the region's pool key, the
 * region's shared release: docs/tiers.md). The plain script does the silo's work, so it runs for
 * silo only; a pooled result has the same operator fields, `plain: null` and `ratio: null`. Each
 * tier's footprint (KMS keys, databases, schemas, objects, PostgreSQL backends) is counted on the
 * servers once its tenants are Ready (bench/lib/tier-footprint.ts) and printed side by side.
 *
 * BENCH_PLAIN=0 runs the operator half only. BENCH_MEMORY_VARIANTS re-syncs the compiled operator
 * again with other Node or malloc settings beside the shipped ones (bench/lib/operator-run.ts).
 *
 * BENCH_KMS_THROTTLE=<requests/s> puts a proxy in front of the KMS emulator that answers
 * ThrottlingException above that rate per key-changing operation, as AWS KMS does (=count: count
 * only); the operator reaches KMS through it and the requests it counted are printed with what
 * 1000 tenants cost at AWS's default quotas (bench/lib/kms-budget.ts). The plain script, which has
 * no pacer, still talks to the emulator directly.
 *
 * Each size runs on a fresh environment (one for the operator, one for the plain script). Numbers
 * go to bench/results/onboarding-<N>.json and are printed as Markdown tables. If the operator exits
 * during a run, the bench stops at once with its last output; Ctrl-C (SIGINT) or SIGTERM stops the
 * operator and the environment, whatever phase the run is in, and exits 130 or 143 with one line
 * naming that phase (bench/lib/run-guard.ts, docs/performance.md "Stopping a bench").
 */
import {
  loadAverage,
  measureOperator,
  type AuditEvidence,
  type MemoryVariantFailure,
  type MemoryVariantRun,
  type OperatorRun,
} from './lib/operator-run.js';
import type { MemoryBreakdown } from './lib/operator-metrics.js';
import { measurePlain, type PlainRun } from './lib/plain-run.js';
import { withEnvironment } from './lib/environment.js';
import { benchRun, runBench } from './lib/run-guard.js';
import { provenance, sizesFrom, writeResult } from './lib/results.js';
import { distribution, percentile, seconds, table } from './lib/stats.js';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import { KubeClient } from '../operator/src/kube/client.js';
import { applyObjects, manifestsIn, repoRoot } from '../operator/test/support/cluster.js';
import { sampleBackends, tierFootprint, type TierFootprint } from './lib/tier-footprint.js';
import { kmsCostEstimate, modelledDeletionPerTenant, modelledOnboardingPerTenant, modelledResyncPerTenant } from './lib/kms-budget.js';
import type { Environment } from '../testenv/src/environment.js';
import { load, startApi, type LoadResult } from './lib/api-load.js';
import { auditAsAnAuditor, type CliRun } from './lib/cli-audit.js';
import { installSigningKey, type SigningKey } from './lib/periodic-audit.js';
import { chartOperatorMemoryLimitMiB, issue17Verdicts, type ApiMeasurement, type TargetRow } from './lib/issue17-targets.js';
import { tenantNames } from './lib/tenants.js';

const sizes = sizesFrom(process.env.SIZES, [1, 50, 200]);
const idleSeconds = Number(process.env.IDLE_SECONDS ?? 60);
const plainConcurrency = Number(process.env.PLAIN_CONCURRENCY ?? 200);
/** BENCH_PLAIN=0 leaves the plain script out (no ratio; the file is named -operator-only): at 1000 it is two thirds of the run. */
const withPlain = process.env.BENCH_PLAIN !== '0';
/** BENCH_AUDIT=1: the periodic audit on (and measured after all are Ready), then `bulkhead audit` unless BENCH_CLI_AUDIT=0. */
const withAudit = process.env.BENCH_AUDIT === '1';
const withCliAudit = withAudit && process.env.BENCH_CLI_AUDIT !== '0';
/** BENCH_API=0 leaves out the onboarding API's load runs over the N tenants. */
const withApi = process.env.BENCH_API !== '0';
const apiSettings = {
  rate: Number(process.env.API_RATE ?? 1000),
  connections: Number(process.env.API_CONNECTIONS ?? 20),
  durationSeconds: Number(process.env.API_SECONDS ?? 20),
};
const operatorMemoryLimitMiB = chartOperatorMemoryLimitMiB(repoRoot);
const run = benchRun();

/** The plan each tier onboards its tenants on (crds/examples/plans). */
const tierPlans = { silo: 'standard', pooled: 'bench-pooled' } as const;
type Tier = keyof typeof tierPlans;

/** The pooled tier's plan: the example pooled-release plan with its key Shared as well. */
function benchPooledPlan(): k8s.KubernetesObject {
  const example = manifestsIn(join(repoRoot, 'crds/examples/plans'))
    .flatMap(({ objects }) => objects)
    .find((object) => object.metadata?.name === 'pooled-release') as (k8s.KubernetesObject & { spec: Record<string, unknown> }) | undefined;
  if (!example) throw new Error('crds/examples/plans has no plan pooled-release to derive the pooled tier from');
  const isolation = { ...(example.spec.isolation as Record<string, unknown>), key: 'Shared' };
  return { ...example, metadata: { name: tierPlans.pooled }, spec: { ...example.spec, isolation } } as k8s.KubernetesObject;
}

function tiersFrom(value: string | undefined): Tier[] {
  const tiers = (value ?? 'silo').split(',').map((tier) => tier.trim());
  const unknown = tiers.filter((tier) => !(tier in tierPlans));
  if (unknown.length > 0) throw new Error(`TIERS: ${unknown.join(', ')} is not a tier; use silo, pooled or silo,pooled`);
  return tiers as Tier[];
}
const tiers = tiersFrom(process.env.TIERS);

interface SizeResult {
  tier: Tier;
  operator: OperatorRun;
  /** The plain script does the silo's work: none for the pooled tier. */
  plain?: PlainRun;
  footprint: TierFootprint;
  targets: TargetRow[];
  loadAverage: Record<string, number[]>;
}

/** The API's runs over the N tenants: as fast as it goes, then at API_RATE (bench/lib/api-load.ts). */
type ApiRun = ApiMeasurement & { settings: typeof apiSettings; runs: LoadResult[] };

const rate = (n: number, ms: number): string => ((n / ms) * 60_000).toFixed(0);

function timeRows(n: number, label: string, samples: number[], totalMs: number): string[] {
  const d = distribution(samples);
  return [String(n), label, seconds(d.p50), seconds(d.p95), seconds(d.max), seconds(totalMs), rate(n, totalMs)];
}

function printTables(results: SizeResult[]): void {
  const timeTable = results.flatMap(({ tier, operator: o, plain: p }) => [
    timeRows(o.tenants, `${tier} operator: guardrails`, o.guardrailsMs, o.guardrailsTotalMs),
    timeRows(o.tenants, `${tier} operator: full stack`, o.readyMs, o.totalMs),
    ...(p
      ? [
          timeRows(p.tenants, 'plain script: guardrails', p.guardrailsMs, p.guardrailsTotalMs),
          timeRows(p.tenants, 'plain script: full stack', p.readyMs, p.totalMs),
        ]
      : []),
  ]);
  console.log("\nTime to Ready (seconds from each tenant's creation; total from the first create to the last Ready)\n");
  console.log(table(['tenants', 'who: what', 'p50', 'p95', 'max', 'total', 'tenants/min'], timeTable));
  console.log('\nOperator total / plain script total (same machine, same run)\n');
  console.log(
    table(
      ['tenants', 'tier', 'guardrails', 'full stack'],
      results.map(({ tier, operator: o, plain: p }) => [
        o.tenants,
        tier,
        p ? (o.guardrailsTotalMs / p.guardrailsTotalMs).toFixed(2) : '-',
        p ? (o.totalMs / p.totalMs).toFixed(2) : '-',
      ]),
    ),
  );
  console.log('\nEfficiency and memory\n');
  console.log(
    table(
      [
        'tenants',
        'tier',
        'operator requests/tenant',
        'of which writes',
        'plain requests/tenant',
        'steady-state writes (idle, excl. Lease)',
        'Lease writes',
        'RSS idle MiB (tsx / compiled)',
        'RSS all Ready MiB (tsx / compiled)',
        'heap used MiB idle / all Ready (compiled)',
        're-sync s (tsx / compiled)',
        're-sync writes',
      ],
      results.map(({ tier, operator: o, plain: p }) => [
        o.tenants,
        tier,
        o.requestsPerTenant.total?.toFixed(1) ?? '-',
        ['POST', 'PUT', 'PATCH', 'DELETE'].reduce((sum, verb) => sum + (o.requestsPerTenant[verb] ?? 0), 0).toFixed(1),
        p?.requestsPerTenant.total?.toFixed(1) ?? '-',
        `${o.steadyState.writesExcludingLeases} in ${o.steadyState.idleSeconds} s`,
        Object.entries(o.steadyState.writes)
          .filter(([k]) => k.endsWith(' leases'))
          .reduce((sum, [, v]) => sum + v, 0),
        `${o.rssMiB.idle} / ${o.rssMiB.compiledIdle}`,
        `${o.rssMiB.allReady} / ${o.rssMiB.compiledAllReady}`,
        `${o.heapUsedMiB.compiledIdle} / ${o.heapUsedMiB.compiledAllReady}`,
        `${seconds(o.resync.ms)} / ${seconds(o.resync.compiledMs)}`,
        o.resync.writesExcludingLeases,
      ]),
    ),
  );
}

/** The compiled operator's RSS taken apart: what is V8's heap, what is malloc and native code, what is file pages. */
function printMemory(results: SizeResult[]): void {
  console.log("\nWhere the compiled operator's RSS goes, MiB (anonymous = V8 heap + malloc + native; file = node binary and libraries)\n");
  const moments = {
    compiledIdle: 'idle',
    compiledIdleAfterAudit: 'idle, 5 s after its first audit pass',
    compiledAllReady: 'all Ready, 5 s after re-sync',
    compiledAllReadySettled: 'all Ready, 30 s after re-sync',
  } as const;
  const space = (m: MemoryBreakdown, name: string): number | string => m.heapSpaces?.[name] ?? '-';
  console.log(
    table(
      [
        'tenants',
        'when',
        'RSS',
        'anonymous',
        'file',
        'heap committed',
        'heap used',
        'old / new / code / large objects',
        'external',
        'anonymous outside the heap',
      ],
      results.flatMap(({ operator: o }) =>
        (Object.keys(moments) as (keyof typeof moments)[]).flatMap((when) => {
          const m = o.memoryMiB[when];
          if (!m) return [];
          const spaces = ['old', 'new', 'code', 'large_object'].map((name) => space(m, name)).join(' / ');
          return [
            [
              o.tenants,
              moments[when],
              m.rss,
              m.rssAnon,
              m.rssFile,
              m.heapTotal,
              m.heapUsed,
              spaces,
              m.external,
              (m.rssAnon - m.heapTotal).toFixed(1),
            ],
          ];
        }),
      ),
    ),
  );
}

/** One variant's row: its settings, re-sync time and memory 5 s / 30 s after, or why it failed. */
function variantRow(n: number, v: MemoryVariantRun | MemoryVariantFailure): (string | number)[] {
  const settings =
    Object.entries(v.env)
      .map(([k, value]) => `${k}=${value}`)
      .join(' ') || '(as shipped)';
  if ('failed' in v) return [n, v.label, settings, `failed: ${v.failed.split('\n')[0] ?? ''}`, '-', '-', '-', '-'];
  const both = (read: (m: MemoryBreakdown) => number): string => `${read(v.memory).toFixed(1)} / ${read(v.settled).toFixed(1)}`;
  return [
    n,
    v.label,
    settings,
    seconds(v.resyncMs),
    both((m) => m.rss),
    both((m) => m.heapTotal),
    both((m) => m.heapUsed),
    both((m) => m.rssAnon - m.heapTotal),
  ];
}

/** BENCH_MEMORY_VARIANTS: the compiled operator re-synced with other settings, beside the shipped ones. */
function printMemoryVariants(results: SizeResult[]): void {
  const rows = results.flatMap(({ operator: o }) => {
    if (o.memoryVariants.length === 0) return [];
    const m = o.memoryMiB;
    const shipped = {
      label: 'shipped',
      env: {},
      resyncMs: o.resync.compiledMs,
      memory: m.compiledAllReady,
      settled: m.compiledAllReadySettled,
    };
    return [shipped, ...o.memoryVariants].map((v) => variantRow(o.tenants, v));
  });
  if (rows.length === 0) return;
  console.log('\nThe compiled operator re-synced with other settings (MiB, 5 s / 30 s after its re-sync)\n');
  console.log(
    table(['tenants', 'variant', 'settings', 're-sync s', 'RSS', 'heap committed', 'heap used', 'anonymous outside the heap'], rows),
  );
}

/** What the re-sync after a restart did (under tsx): helm runs, requests by verb and resource, provider requests, time per step. */
function printResync(results: SizeResult[]): void {
  console.log('\nRe-sync after a restart (under tsx)\n');
  const listed = (counts: Record<string, number>): string =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}: ${v}`)
      .join(', ') || '-';
  console.log(
    table(
      ['tenants', 'helm renders', 'kube requests', 'provider requests', 'provider wait s', 'step s (summed over workers)'],
      results.map(({ operator: { tenants, resync: r } }) => [
        tenants,
        r.helmRenders,
        listed(r.requests),
        listed(r.providerRequests),
        listed(r.providerWaitSeconds),
        listed(r.stepSeconds),
      ]),
    ),
  );
}

/** What 1000 tenants cost in KMS time at AWS's default quotas: measured requests per tenant where there are, else the model. */
function printKmsCost(results: SizeResult[]): void {
  const last = results.at(-1)?.operator;
  const from = last?.kms ? `measured at ${last.tenants} tenants` : 'modelled';
  const phases: [string, Record<string, number>, string][] = [
    ['onboarding 1000 new tenants', last?.kms?.onboarding.perTenant ?? modelledOnboardingPerTenant, from],
    ['re-sync of 1000 Ready tenants', last?.kms?.resync.perTenant ?? modelledResyncPerTenant, from],
    ['deleting 1000 tenants', modelledDeletionPerTenant, 'modelled'],
  ];
  console.log(
    "\nKMS at AWS's default request quotas (per account and region; each operation paced on its own, the slowest sets the time)\n",
  );
  console.log(
    table(
      ['phase', 'requests/tenant', 'slowest operation', 'its requests/tenant', 'its quota /s', 'seconds for 1000'],
      phases.map(([phase, perTenant, source]) => {
        const slowest = kmsCostEstimate(perTenant, 1000)[0] ?? { operation: '-', perTenant: 0, budget: 0, seconds: 0 };
        return [phase, source, slowest.operation, slowest.perTenant, slowest.budget, slowest.seconds];
      }),
    ),
  );
  printKmsCounts(results);
}

function printKmsCounts(results: SizeResult[]): void {
  const rows = results.flatMap(({ operator: o }) =>
    (['onboarding', 'resync'] as const).flatMap((phase) => {
      const counted = o.kms?.[phase];
      if (!counted) return [];
      const throttles = phase === 'onboarding' ? `${o.kms?.operatorThrottles.provider ?? 0} / ${o.kms?.operatorThrottles.pacer ?? 0}` : '-';
      return [
        [
          o.tenants,
          phase,
          JSON.stringify(counted.perTenant),
          JSON.stringify(counted.throttled),
          JSON.stringify(counted.mostInOneSecond),
          throttles,
        ],
      ];
    }),
  );
  if (rows.length === 0) return;
  console.log('\nKMS requests counted at the throttling proxy (BENCH_KMS_THROTTLE)\n');
  console.log(
    table(
      [
        'tenants',
        'phase',
        'requests/tenant by operation',
        'throttled by the proxy',
        'most in one second',
        'operator throttles (provider / pacer)',
      ],
      rows,
    ),
  );
}

async function main(): Promise<void> {
  const results: SizeResult[] = [];
  for (const n of sizes) for (const tier of tiers) results.push(await measureSize(n, tier));
  printTables(results);
  printMemory(results);
  printMemoryVariants(results);
  printResync(results);
  printKmsCost(results);
  printTierCosts(results);
  printTargets(results);
}

/** What one tenant of each tier costs, side by side (docs/tiers.md): provider requests, keys, databases, objects, connections. */
function printTierCosts(results: SizeResult[]): void {
  const per = (count: number, n: number): string => (count / n).toFixed(2);
  const byProvider = (counts: Record<string, number> | undefined, provider: string): string =>
    Object.entries(counts ?? {})
      .filter(([key]) => key.startsWith(`${provider} `))
      .map(([key, v]) => `${key.split(' ').pop() ?? key}: ${v}`)
      .join(', ') || '0';
  console.log('\nWhat a tenant costs, by tier (counted on the servers once all were Ready; requests per tenant while onboarding)\n');
  console.log(
    table(
      [
        'tenants',
        'tier',
        'KMS keys/tenant (+ pool keys)',
        'databases/tenant',
        'pool schemas/tenant',
        'objects/tenant',
        'peak PG backends',
        'KMS requests/tenant',
        'PostgreSQL checkouts/tenant',
        're-sync KMS / PG requests',
      ],
      results.map(({ tier, operator: o, footprint: f }) => {
        const objects = Object.values(f.objects).reduce((sum, v) => sum + v, 0);
        const resync = (provider: string): number =>
          Object.entries(o.resync.providerRequests).reduce((sum, [key, v]) => sum + (key.startsWith(`${provider} `) ? v : 0), 0);
        return [
          o.tenants,
          tier,
          `${per(f.kmsKeys.tenants, o.tenants)} (+${f.kmsKeys.pool})`,
          per(f.databases, o.tenants),
          per(f.schemasInPool, o.tenants),
          per(objects, o.tenants),
          f.postgres.peakBackends,
          byProvider(o.onboarding.providerRequestsPerTenant, 'kms'),
          byProvider(o.onboarding.providerRequestsPerTenant, 'postgres'),
          `${resync('kms')} / ${resync('postgres')}`,
        ];
      }),
    ),
  );
}

/** What tells this run's result file apart from the default run's: its tier, workers, KMS throttle, and the plain script left out. */
function resultVariant(tier: Tier, workers: number): string {
  const throttle = process.env.BENCH_KMS_THROTTLE;
  return [
    tier === 'silo' ? '' : `-${tier}`,
    workers === 4 ? '' : `-workers-${workers}`,
    throttle ? `-kms-throttle-${throttle}` : '',
    withPlain ? '' : '-operator-only',
  ].join('');
}

/** After the operator's half, on its environment: `bulkhead audit` (BENCH_AUDIT=1), then the API. */
interface AfterOperator {
  cliAudit: CliRun | null;
  api: ApiRun | null;
  loadAverage: Record<string, number[]>;
}

/** `bulkhead audit` over the environment's tenants, as an auditor runs it (compiled, the shipped login sample). */
async function cliAuditPhase(env: Environment, key: SigningKey, dir: string): Promise<CliRun> {
  console.log('   bulkhead audit (compiled, sampled logins) over the same tenants');
  run.enter('running bulkhead audit');
  return auditAsAnAuditor({ env, dir, keyFile: key.keyFile, signal: run.signal }, {}, 'sampled');
}

/** The onboarding API's GET /v1/tenants/{name} over the N tenants: a warm-up, as fast as it goes, then at API_RATE. */
async function apiPhase(env: Environment, n: number): Promise<ApiRun> {
  const names = tenantNames('bench', n);
  run.enter('loading the onboarding API');
  const api = await run.race(startApi(env));
  try {
    await run.race(load(api, names, { ...apiSettings, durationSeconds: 5, overallRate: 200 }));
    const max = await run.race(load(api, names, apiSettings));
    const fixed = await run.race(load(api, names, { ...apiSettings, overallRate: apiSettings.rate }));
    console.log(
      `   API: as fast as it goes ${max.requestsPerSecond} req/s; at ${apiSettings.rate}/s p99 ${fixed.latencyMs.p99} ms (${fixed.requestsPerSecond} req/s, ${fixed.non2xx} non-2xx, ${fixed.errors} errors)`,
    );
    return { settings: apiSettings, rate: apiSettings.rate, maxThroughput: max, fixedRate: fixed, runs: [max, fixed] };
  } finally {
    api.child.kill('SIGTERM');
  }
}

async function afterOperator(env: Environment, n: number, audit: { key: SigningKey; dir: string } | undefined): Promise<AfterOperator> {
  const loads: Record<string, number[]> = {};
  const cliAudit = withCliAudit && audit ? await cliAuditPhase(env, audit.key, audit.dir) : null;
  if (cliAudit) loads.afterCliAudit = loadAverage();
  const api = withApi ? await apiPhase(env, n) : null;
  if (api) loads.afterApi = loadAverage();
  return { cliAudit, api, loadAverage: loads };
}

/** The operator's half on a fresh environment: onboarding, the periodic audit, memory, re-sync; then the CLI audit and the API on it. */
async function operatorHalf(n: number, tier: Tier) {
  const plan = tierPlans[tier];
  return withEnvironment(`operator-${tier}-${n}`, async (env, kc) => {
    if (tier === 'pooled') await applyObjects(kc, [benchPooledPlan()]);
    const origin = provenance(env);
    const client = KubeClient.load(env.kubeconfig);
    try {
      const dir = mkdtempSync(join(env.dir, 'run', 'bench-onboarding-'));
      const audit = withAudit ? { key: await installSigningKey(client, dir), dir } : undefined;
      const evidence: AuditEvidence | undefined = audit ? { dir, publicKeyPem: audit.key.publicKeyPem } : undefined;
      const backends = sampleBackends(env);
      let operator: OperatorRun;
      let postgres: TierFootprint['postgres'];
      try {
        operator = await measureOperator(env, n, idleSeconds, { plan, ...(evidence ? { audit: evidence } : {}) });
      } finally {
        postgres = await backends.stop();
      }
      console.log(
        `   operator: all Ready in ${seconds(operator.totalMs)} s, using ${operator.onboarding.cpuSeconds} s of CPU in ${operator.onboarding.tenantReconciles} tenant reconciles`,
      );
      const footprint = await tierFootprint(env, client, 'bench-', postgres);
      const after = await afterOperator(env, n, audit);
      if (audit) console.log(`   audit evidence (published report, CLI report) in ${dir}`);
      return { operator, origin, footprint, ...after };
    } finally {
      client.close();
    }
  });
}

function targetsOf(operator: OperatorRun, ratio: { fullStack: number } | null, after: AfterOperator): TargetRow[] {
  return issue17Verdicts({
    rssMiB: operator.rssMiB,
    idleAfterAuditMiB: operator.memoryMiB.compiledIdleAfterAudit?.rss ?? null,
    resync: operator.resync,
    ratioFullStack: ratio?.fullStack ?? null,
    p50Ms: percentile(operator.readyMs, 50),
    totalMs: operator.totalMs,
    api: after.api,
    periodicAudit: operator.periodicAudit ?? null,
    installedAudit: operator.installedAudit ?? null,
    cliAudit: after.cliAudit,
    operatorMemoryLimitMiB,
  });
}

/** BENCH_AUDIT=1: the three audits of the run, and the limit the installed one ran in. */
function auditResult(operator: OperatorRun, cli: CliRun | null): Record<string, unknown> | null {
  if (!withAudit) return null;
  return { periodic: operator.periodicAudit ?? null, installed: operator.installedAudit ?? null, cli, operatorMemoryLimitMiB };
}

/** One size of one tier: the operator, then (silo only) the plain script, each on a fresh environment; written to bench/results. */
async function measureSize(n: number, tier: Tier): Promise<SizeResult> {
  const plan = tierPlans[tier];
  console.log(`\n== ${n} tenant(s), ${tier} (plan ${plan}): operator ==`);
  const { operator, origin, footprint, ...after } = await operatorHalf(n, tier);
  const { cliAudit, api } = after;
  let plain: PlainRun | undefined;
  if (tier === 'silo' && withPlain) {
    console.log(`== ${n} tenant(s): plain script ==`);
    plain = await withEnvironment(`plain-${n}`, (env) => measurePlain(env, n, plainConcurrency));
    console.log(`   plain script: all available in ${seconds(plain.totalMs)} s`);
  }
  const workers = Number(process.env.OPERATOR_WORKERS ?? 4);
  const variant = resultVariant(tier, workers);
  const ratio = plain
    ? { guardrails: operator.guardrailsTotalMs / plain.guardrailsTotalMs, fullStack: operator.totalMs / plain.totalMs }
    : null;
  const loads = {
    atStart: origin.machine.loadAverageAtStart,
    ...operator.loadAverage,
    ...after.loadAverage,
    ...(plain ? { afterPlainScript: loadAverage() } : {}),
  };
  const targets = targetsOf(operator, ratio, after);
  const file = writeResult(`onboarding-${n}${variant}`, {
    ...origin,
    tier,
    plan,
    idleSeconds,
    operatorWorkers: workers,
    isolationAudit: withAudit,
    kmsThrottle: process.env.BENCH_KMS_THROTTLE ?? null,
    operator,
    footprint,
    plain: plain ?? null,
    ratio,
    audit: auditResult(operator, cliAudit),
    api,
    loadAverage: loads,
    issue17Targets: targets,
  });
  console.log(`   wrote ${file}`);
  return { tier, operator, plain, footprint, targets, loadAverage: loads };
}

/** Issue 17's targets against this run, each with what was measured and met / missed (bench/lib/issue17-targets.ts). */
function printTargets(results: SizeResult[]): void {
  console.log('\nIssue 17 targets, this run\n');
  console.log(
    table(
      ['tenants', 'tier', 'target', 'measured', 'verdict'],
      results.flatMap(({ tier, operator: o, targets }) => targets.map((t) => [o.tenants, tier, t.target, t.measured, t.verdict])),
    ),
  );
  console.log('\nLoad average (1 / 5 / 15 min) at the start and as each phase ended\n');
  console.log(
    table(
      ['tenants', 'tier', 'phase', 'load average'],
      results.flatMap(({ tier, operator: o, loadAverage: loads }) =>
        Object.entries(loads).map(([phase, l]) => [o.tenants, tier, phase, l.join(' / ')]),
      ),
    ),
  );
}

await runBench(main);
