/**
 * One operator measurement on a fresh environment: start the operator, let it lead, create N
 * tenants at once, time each to its guardrails and to Ready, count the requests it sent, sit idle
 * and count its writes, read its memory, then restart it and time the re-sync of all N. Every
 * operator it starts is watched (run-guard.ts): one that exits before the run stops it, or stops
 * answering /healthz as the chart's liveness probe asks, ends the run at once, with its last output.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../../operator/src/kube/client.js';
import { eventually, repoRoot } from '../../operator/test/support/cluster.js';
import { startOperator, type OperatorProcess } from '../../operator/test/support/operator-process.js';
import type { Environment } from '../../testenv/src/environment.js';
import { benchTmp } from './environment.js';
import { buildCompiledOperator, startCompiledOperator, type CompiledOperator } from './compiled-operator.js';
import {
  memoryBreakdown,
  requestDelta,
  rssMiB,
  scrape,
  total,
  writeVerbs,
  type MemoryBreakdown,
  type OperatorSnapshot,
} from './operator-metrics.js';
import { KmsCounting, type KmsMeasurement } from './kms-budget.js';
import { benchRun } from './run-guard.js';
import type { PeriodicAuditMeasurement } from './issue17-targets.js';
import { auditAsInstalled, type InstalledAuditRun } from './installed-audit.js';
import { chartOperatorMemoryLimitMiB } from './issue17-targets.js';
import { firstPass, jsonLogLines, leaseKept, passStartedAt, passStartedSince, signingSecret, verifyPublished } from './periodic-audit.js';
import { createTenants, tenantNames, TenantTracker } from './tenants.js';

export interface OperatorRun {
  tenants: number;
  guardrailsMs: number[];
  readyMs: number[];
  guardrailsTotalMs: number;
  totalMs: number;
  requestsPerTenant: Record<string, number>;
  /**
   * CPU the operator used from the first create to the last Ready, and its tenant reconciles: under
   * a moving load these say whether the operator did more work, where wall time cannot.
   */
  onboarding: { cpuSeconds: number; tenantReconciles: number; providerRequestsPerTenant?: Record<string, number> };
  /** Requests per tenant from the first create to the last Ready, by "verb resource". */
  requestsPerTenantByResource?: Record<string, number>;
  steadyState: { idleSeconds: number; writes: Record<string, number>; writesExcludingLeases: number; afterAuditPass: boolean };
  /** Under tsx (as the specs run it) and compiled (as the image runs it). */
  rssMiB: { idle: number; allReady: number; compiledIdle: number; compiledAllReady: number };
  /** V8's used heap of the compiled operator, read with RSS: what the objects take, apart from code and the runtime. */
  heapUsedMiB: { compiledIdle: number; compiledAllReady: number };
  /**
   * The compiled operator's RSS taken apart (operator-metrics.ts), read with the two above;
   * compiledAllReadySettled 30 s after the re-sync instead of 5 s.
   */
  memoryMiB: {
    compiledIdle: MemoryBreakdown;
    /** With BENCH_AUDIT=1: still without a tenant, 5 s after its first audit pass ended. */
    compiledIdleAfterAudit?: MemoryBreakdown;
    compiledAllReady: MemoryBreakdown;
    compiledAllReadySettled: MemoryBreakdown;
  };
  /** BENCH_MEMORY_VARIANTS: the compiled operator's re-sync again with other settings, then once more as shipped. */
  memoryVariants: (MemoryVariantRun | MemoryVariantFailure)[];
  resync: {
    ms: number;
    writesExcludingLeases: number;
    compiledMs: number;
    /** Under tsx: its requests by "verb resource", helm renders, provider requests and each step's summed time. */
    requests: Record<string, number>;
    helmRenders: number;
    providerRequests: Record<string, number>;
    providerWaitSeconds: Record<string, number>;
    stepSeconds: Record<string, number>;
  };
  /** With BENCH_KMS_THROTTLE: KMS requests counted at the throttling proxy (bench/lib/kms-budget.ts). */
  kms?: KmsMeasurement;
  /**
   * With BENCH_AUDIT=1: the operator's first periodic audit pass that started after the last tenant
   * was Ready (under tsx, the operator that onboarded them), its log line as it is, and how long the
   * bench waited for it from the last Ready.
   */
  periodicAudit?: PeriodicAuditMeasurement & { log?: Record<string, unknown>; waitedSeconds: number; intervalSeconds: number };
  /**
   * With BENCH_AUDIT=1: the first pass of the compiled operator as the chart installs it, in a
   * memory cgroup of the chart's limit (installed-audit.ts), over the same Ready tenants.
   */
  installedAudit?: InstalledAuditRun;
  /** The 1-, 5- and 15-minute load averages as each phase ended. */
  loadAverage: { afterOnboarding: number[]; afterPeriodicAudit?: number[]; afterResyncAndMemory: number[]; afterInstalledAudit?: number[] };
}

/** Where the periodic audit's evidence goes and the key its report verifies with (BENCH_AUDIT=1). */
export interface AuditEvidence {
  dir: string;
  publicKeyPem: string;
}

export interface MeasureOptions {
  /** The TenantPlan the tenants are created on (the tier, bench/onboarding.ts). */
  plan?: string;
  /** With BENCH_AUDIT=1: the signing key is in the Secret already. */
  audit?: AuditEvidence;
}

export const loadAverage = (): number[] => loadavg().map((l) => Number(l.toFixed(2)));

/** OPERATOR_WORKERS=16 tries another tenant worker count (the operator's default is 4). */
const workerSettings = (): Record<string, unknown> => ({
  // The product's lease timings, not the specs' short ones: under load a 3 s renew deadline is missed.
  leaderElection: { enabled: true, leaseDurationSeconds: 15, renewDeadlineSeconds: 10, retryPeriodSeconds: 2 },
  ...(process.env.OPERATOR_WORKERS ? { workers: Number(process.env.OPERATOR_WORKERS) } : {}),
  // BENCH_AUDIT=1 measures with the periodic isolation audit on as it ships (first pass 60 s after
  // leading, then every 600 s), signing and publishing its report. BENCH_AUDIT_INTERVAL=<seconds>
  // (at least 60) shortens the wait for a pass that starts after all tenants are Ready, at the cost
  // of more passes during onboarding than the product runs; keep it above IDLE_SECONDS so the idle
  // window after the measured pass holds no pass.
  audit: auditEnabled ? { enabled: true, ...auditInterval, signingKeySecret: signingSecret } : { enabled: false },
});

const auditEnabled = process.env.BENCH_AUDIT === '1';
const auditInterval = process.env.BENCH_AUDIT_INTERVAL ? { intervalSeconds: Number(process.env.BENCH_AUDIT_INTERVAL) } : {};
/** The operator's default audit.intervalSeconds (operator/src/api/operator-config.ts). */
const shippedAuditIntervalSeconds = 600;

/** With BENCH_KMS_THROTTLE, every operator of the run reaches KMS through the throttling proxy. */
let kmsSettings: Record<string, unknown> = {};

const run = benchRun();

/** Starts the operator (under tsx), watched by the run. */
function startWatchedOperator(settings: Record<string, unknown> = {}): OperatorProcess {
  const operator = startOperator({ logLevel: 'info', ...workerSettings(), ...kmsSettings, ...settings });
  run.watch(`the operator ${operator.identity}`, operator);
  run.watchLiveness(`the operator ${operator.identity}`, operator, operator.metricsUrl().then(healthzOf));
  return operator;
}

/** Stops an operator the run is done with; its exit is then no reason to stop the run. */
async function retire(operator: OperatorProcess): Promise<void> {
  run.expectExit(operator);
  await operator.stop();
}

export async function startLeadingOperator(settings: Record<string, unknown> = {}): Promise<OperatorProcess> {
  const operator = startWatchedOperator(settings);
  await run
    .race(
      eventually(
        'the operator to lead',
        () => Promise.resolve(operator.logs.some((l) => l.message === 'Acquired leader lease') || undefined),
        60_000,
      ),
    )
    .catch(async (error: unknown) => {
      await retire(operator);
      throw error;
    });
  return operator;
}

/** The liveness endpoint beside the operator's metrics (the chart's livenessProbe). */
const healthzOf = (metricsUrl: string): string => new URL('/healthz', metricsUrl).toString();

const perTenant = (counts: Record<string, number>, n: number): Record<string, number> =>
  Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, Math.round((v / n) * 10) / 10]));

function countDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const delta: Record<string, number> = {};
  for (const [key, value] of Object.entries(after)) if (value !== (before[key] ?? 0)) delta[key] = value - (before[key] ?? 0);
  return delta;
}

const notLease = (key: string): boolean => !key.endsWith(' leases');

/**
 * How long to wait after the last Ready for a pass that starts after it to finish: a pass running
 * at that moment, the interval (600 s as shipped), then a whole pass; BENCH_AUDIT_WAIT_SECONDS overrides.
 */
const auditWaitSeconds = (n: number): number => Number(process.env.BENCH_AUDIT_WAIT_SECONDS ?? Math.max(1800, n * 3));

/**
 * The operator's first periodic audit pass that started after `readyAt` (the last tenant's Ready),
 * waited for up to auditWaitSeconds: what its log says it cost, whether the leader kept its lease
 * until then, and whether the report it published reassembles and verifies with the bench's key.
 */
async function periodicAuditAfterReady(
  operator: OperatorProcess,
  client: KubeClient,
  evidence: AuditEvidence,
  ready: { at: number; tenants: number },
): Promise<NonNullable<OperatorRun['periodicAudit']>> {
  const readyAt = ready.at;
  const capSeconds = auditWaitSeconds(ready.tenants);
  const deadline = Date.now() + capSeconds * 1000;
  let line = passStartedSince(operator.logs, readyAt);
  while (!line && Date.now() < deadline) {
    await run.sleep(1_000);
    line = passStartedSince(operator.logs, readyAt);
  }
  const waitedSeconds = Math.round((Date.now() - readyAt) / 1000);
  const kept = leaseKept(operator.logs);
  const common = { waitedSeconds, intervalSeconds: auditInterval.intervalSeconds ?? shippedAuditIntervalSeconds, leaseKept: kept };
  if (!line) {
    return {
      ...common,
      finished: false,
      publishedVerifies: false,
      missing: `no pass that started after the last Ready ended within ${capSeconds} s`,
    };
  }
  const { publishedVerifies } = await verifyPublished(client, evidence.publicKeyPem, evidence.dir);
  const number = (key: string): number | undefined => (typeof line[key] === 'number' ? line[key] : undefined);
  console.log(
    `   periodic audit that started ${((passStartedAt(line) - readyAt) / 1000).toFixed(1)} s after the last Ready: ${JSON.stringify(line)}; lease ${kept ? 'kept' : 'LOST'}; published report verifies: ${publishedVerifies}`,
  );
  return {
    ...common,
    log: line,
    finished: line.message === 'Audited tenant isolation',
    seconds: number('seconds'),
    peakRssMiB: number('peakRssMiB'),
    longestStallSeconds: number('longestStallSeconds'),
    publishedParts: number('publishedParts'),
    compressedBytes: number('compressedBytes'),
    publishedVerifies,
  };
}

/** BENCH_AUDIT=1: the pass after Ready and the load after it; nothing otherwise. */
async function auditPhase(
  operator: OperatorProcess,
  client: KubeClient,
  audit: AuditEvidence | undefined,
  ready: { at: number; tenants: number },
): Promise<{ periodicAudit?: OperatorRun['periodicAudit']; loads: { afterPeriodicAudit?: number[] } }> {
  if (!auditEnabled || !audit) return { loads: {} };
  const periodicAudit = await periodicAuditAfterReady(operator, client, audit, ready);
  return { periodicAudit, loads: { afterPeriodicAudit: loadAverage() } };
}

/** BENCH_AUDIT=1: the periodic audit of the compiled operator in a memory cgroup of the chart's limit; nothing otherwise. */
async function installedAuditPhase(
  env: Environment,
  client: KubeClient,
  n: number,
  evidence: AuditEvidence | undefined,
): Promise<InstalledAuditRun | undefined> {
  if (!auditEnabled || !evidence) return undefined;
  const limitMiB = chartOperatorMemoryLimitMiB(repoRoot);
  run.enter('the periodic audit as installed');
  console.log(`   the periodic audit as installed: the compiled operator in a ${limitMiB} MiB memory cgroup, its first pass`);
  const installed = await auditAsInstalled({ env, client, tenants: n, limitMiB, evidence });
  console.log(`   installed audit: ${JSON.stringify({ ...installed, log: undefined })}`);
  return installed;
}

/** Steady state: every write the operator sends while nothing changes, by "verb resource". */
async function steadyWrites(operator: OperatorProcess, idleSeconds: number): Promise<Omit<OperatorRun['steadyState'], 'afterAuditPass'>> {
  const url = await operator.metricsUrl();
  const before = await scrape(url);
  await run.sleep(idleSeconds * 1000);
  const writes = requestDelta(before, await scrape(url), (s) => (writeVerbs.includes(s.verb) ? `${s.verb} ${s.resource}` : 'reads'));
  delete writes.reads;
  return { idleSeconds, writes, writesExcludingLeases: total(writes, notLease) };
}

/** Waits until an operator started at `started` has reconciled n tenants and emptied its queue. */
async function resynced(url: string, n: number, started: number): Promise<OperatorSnapshot> {
  let snapshot: OperatorSnapshot = await scrape(url);
  while (snapshot.tenantReconciles < n || snapshot.tenantQueueDepth > 0) {
    if (Date.now() - started > 600_000) throw new Error(`re-sync of ${n} tenants took over 10 minutes`);
    await run.sleep(100);
    snapshot = await scrape(url);
  }
  return snapshot;
}

/** Restarts the operator; the time until it has reconciled every tenant once and its queue is empty. */
async function resync(
  operator: OperatorProcess,
  n: number,
): Promise<{ operator: OperatorProcess; result: Omit<OperatorRun['resync'], 'compiledMs'> }> {
  await retire(operator);
  const started = Date.now();
  const next = startWatchedOperator();
  const snapshot = await resynced(await run.race(next.metricsUrl()), n, started).catch(async (error: unknown) => {
    await retire(next);
    throw error;
  });
  const ms = Date.now() - started;
  const requests = requestDelta(undefined, snapshot, (s) => `${s.verb} ${s.resource}`);
  const writes = requestDelta(undefined, snapshot, (s) => (writeVerbs.includes(s.verb) ? `${s.verb} ${s.resource}` : 'reads'));
  delete writes.reads;
  const { helmRenders, providerRequests, providerWaitSeconds, stepSeconds } = snapshot;
  return {
    operator: next,
    result: {
      ms,
      writesExcludingLeases: total(writes, notLease),
      requests,
      helmRenders,
      providerRequests,
      providerWaitSeconds,
      stepSeconds,
    },
  };
}

/** Settings to try beside the shipped ones: variables set over them (NODE_OPTIONS among them). */
export interface MemoryVariant {
  label: string;
  env: Record<string, string>;
}

export interface MemoryVariantRun extends MemoryVariant {
  resyncMs: number;
  /** 5 s and 30 s after its re-sync. */
  memory: MemoryBreakdown;
  settled: MemoryBreakdown;
}

/** A variant whose operator failed (exited, or stopped answering): why, with its last output. */
export interface MemoryVariantFailure extends MemoryVariant {
  failed: string;
}

/**
 * BENCH_MEMORY_VARIANTS="label:VAR=value|VAR=value;label2:VAR=value", e.g.
 * "mmap:MALLOC_MMAP_THRESHOLD_=131072;no-semi:NODE_OPTIONS=": each is a compiled operator started
 * over the same Ready tenants with those variables over the shipped ones (the others as shipped).
 * NODE_ARGS is not a variable: its words go on node's command line after the shipped V8 flags, for
 * the flags NODE_OPTIONS refuses, as the chart's command passes them; V8_FLAGS replaces the shipped
 * flags (the chart's `operator.v8Flags`; "no-size:V8_FLAGS=" runs without them).
 */
export function memoryVariantsFrom(value: string | undefined): MemoryVariant[] {
  return (value ?? '')
    .split(';')
    .filter((entry) => entry.trim() !== '')
    .map((entry) => {
      const colon = entry.indexOf(':');
      if (colon < 1) throw new Error(`BENCH_MEMORY_VARIANTS: "${entry}" is not label:VAR=value|VAR=value`);
      const pairs = entry
        .slice(colon + 1)
        .split('|')
        .filter(Boolean);
      const env = Object.fromEntries(pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]));
      if (pairs.some((pair) => pair.indexOf('=') < 1)) throw new Error(`BENCH_MEMORY_VARIANTS: "${entry}" has a setting without VAR=`);
      return { label: entry.slice(0, colon).trim(), env };
    });
}

const memoryVariants = memoryVariantsFrom(process.env.BENCH_MEMORY_VARIANTS);

/**
 * Each variant, then the shipped settings once more (how far the machine moved meanwhile). A
 * variant's operator is not watched by the run guard: one that fails is recorded as failed, and
 * the run goes on.
 */
async function variantProbes(env: Environment, n: number): Promise<(MemoryVariantRun | MemoryVariantFailure)[]> {
  if (memoryVariants.length === 0) return [];
  const runs: (MemoryVariantRun | MemoryVariantFailure)[] = [];
  for (const variant of [...memoryVariants, { label: 'shipped, again', env: {} }]) {
    try {
      const { memory, settled, resyncMs } = await compiledProbe(env, n, variant.env);
      runs.push({ ...variant, resyncMs, memory, settled });
    } catch (error) {
      if (run.signal.aborted) throw error;
      runs.push({ ...variant, failed: error instanceof Error ? error.message : String(error) });
      console.log(`   memory variant ${variant.label} failed: ${String(error)}`);
    }
  }
  return runs;
}

/**
 * The compiled operator's memory once it has re-synced n tenants (0: once it leads), 5 s after and
 * (`settled`) 30 s after, and the re-sync time.
 */
async function compiledProbe(
  env: Environment,
  n: number,
  variant?: Record<string, string>,
  afterFirstPass = false,
): Promise<ProbeResult & { afterAudit?: MemoryBreakdown }> {
  const started = Date.now();
  const { NODE_ARGS: nodeArgs = '', V8_FLAGS: v8Flags, ...rest } = variant ?? {};
  const compiled = startCompiledOperator(env, (compiledMain ??= buildCompiledOperator()), `compiled-${process.pid}-${n}-${started}`, {
    env: rest,
    nodeArgs: nodeArgs.split(' ').filter(Boolean),
    ...(v8Flags === undefined ? {} : { v8Flags: v8Flags.split(' ').filter(Boolean) }),
  });
  const logs = afterFirstPass ? jsonLogLines(compiled.child) : undefined;
  if (!variant) {
    run.watch('the compiled operator', compiled);
    run.watchLiveness('the compiled operator', compiled, compiled.metricsUrl.then(healthzOf));
  }
  try {
    const probed = await probe(compiled, n, started);
    return logs ? { ...probed, afterAudit: await memoryAfterFirstPass(compiled, logs) } : probed;
  } catch (error) {
    throw new Error(`${String(error)}; its last output:\n${compiled.output()}`, { cause: error });
  } finally {
    run.expectExit(compiled);
    await compiled.stop();
  }
}

interface ProbeResult {
  rss: number;
  heapUsed: number;
  memory: MemoryBreakdown;
  settled: MemoryBreakdown;
  resyncMs: number;
}

/**
 * 5 s after the compiled operator's first audit pass ended (60 s after it leads, as shipped): the
 * pass loads the audit's code and the providers' (pg, the KMS SDK), which stay loaded (decision 0065).
 */
async function memoryAfterFirstPass(compiled: CompiledOperator, logs: readonly Record<string, unknown>[]): Promise<MemoryBreakdown> {
  const deadline = Date.now() + 180_000;
  while (!firstPass(logs)) {
    if (Date.now() > deadline) throw new Error('the idle compiled operator ran no audit pass within 180 s');
    await run.sleep(1_000);
  }
  await run.sleep(5_000);
  return memoryBreakdown(compiled.child.pid ?? 0, await compiled.metricsUrl);
}

/** The memory of a compiled operator once it has re-synced n tenants, 5 s and 30 s after. */
async function probe(compiled: CompiledOperator, n: number, started: number): Promise<ProbeResult> {
  const url = await run.race(compiled.metricsUrl);
  await resynced(url, n, started);
  const resyncMs = Date.now() - started;
  await run.sleep(5_000);
  const memory = await memoryBreakdown(compiled.child.pid ?? 0, url);
  await run.sleep(25_000);
  const settled = await memoryBreakdown(compiled.child.pid ?? 0, url);
  return { rss: memory.rss, heapUsed: memory.heapUsed, memory, settled, resyncMs };
}

let compiledMain: string | undefined;

/** Stops the operator and keeps its JSON log, to find out what happened when a number looks wrong. */
async function retireKeepingLog(operator: OperatorProcess, n: number): Promise<void> {
  await retire(operator);
  writeFileSync(join(benchTmp, `operator-${n}-${process.pid}.log`), operator.logs.map((l) => JSON.stringify(l)).join('\n'));
}

export async function measureOperator(
  realEnv: Environment,
  n: number,
  idleSeconds: number,
  options: MeasureOptions = {},
): Promise<OperatorRun> {
  const kms = await KmsCounting.start(realEnv);
  const { env } = kms;
  kmsSettings = kms.operatorSettings;
  const client = KubeClient.load(env.kubeconfig);
  const tracker = new TenantTracker(client);
  tracker.run();
  let operator: OperatorProcess | undefined;
  try {
    run.enter('measuring the compiled operator at rest');
    const compiledIdle = await compiledProbe(env, 0, undefined, auditEnabled);
    run.enter('starting the operator');
    operator = await startLeadingOperator();
    await run.sleep(2_000);
    const idleRss = rssMiB(operator.child.pid ?? 0);
    const url = await operator.metricsUrl();
    const before = await scrape(url);
    const names = tenantNames('bench', n);
    const start = Date.now();
    run.enter(`onboarding ${n} tenant(s)`);
    kms.begin('onboarding');
    const created = await createTenants(client, names, 100, options.plan);
    for (const [name, at] of created) tracker.expect(name, at);
    await tracker.waitReady(names, 120_000 + n * 3_000, run.signal);
    kms.end('onboarding');
    const after = await scrape(url);
    const throttles = await kms.operatorThrottles(url);
    const times = names.map((name) => tracker.times.get(name) ?? { created: start });
    const readyMs = times.map((t) => (t.ready ?? Number.NaN) - t.created);
    const guardrailsMs = times.map((t) => (t.guardrails ?? t.ready ?? Number.NaN) - t.created);
    const requests = requestDelta(before, after, (s) => s.verb);
    const afterOnboarding = loadAverage();
    const readyAt = Math.max(...times.map((t) => t.ready ?? Number.NaN));
    run.enter('waiting for the periodic audit and idling');
    const { periodicAudit, loads } = await auditPhase(operator, client, options.audit, { at: readyAt, tenants: n });
    const steadyState = { ...(await steadyWrites(operator, idleSeconds)), afterAuditPass: periodicAudit?.log !== undefined };
    const readyRss = rssMiB(operator.child.pid ?? 0);
    run.enter('re-syncing a restarted operator');
    kms.begin('resync');
    const restarted = await resync(operator, n);
    kms.end('resync');
    operator = restarted.operator;
    await retire(operator);
    run.enter('measuring the compiled operator with the tenants Ready');
    const compiled = await compiledProbe(env, n);
    const variants = await variantProbes(env, n);
    const afterResyncAndMemory = loadAverage();
    const installedAudit = await installedAuditPhase(env, client, n, options.audit);
    return {
      tenants: n,
      guardrailsMs,
      readyMs,
      guardrailsTotalMs: Math.max(...times.map((t) => t.guardrails ?? t.ready ?? Number.NaN)) - start,
      totalMs: Math.max(...times.map((t) => t.ready ?? Number.NaN)) - start,
      requestsPerTenant: { total: total(requests) / n, ...perTenant(requests, n) },
      onboarding: {
        cpuSeconds: Math.round((after.cpuSeconds - before.cpuSeconds) * 100) / 100,
        tenantReconciles: after.tenantReconciles - before.tenantReconciles,
        providerRequestsPerTenant: perTenant(countDelta(before.providerRequests, after.providerRequests), n),
      },
      requestsPerTenantByResource: perTenant(
        requestDelta(before, after, (s) => `${s.verb} ${s.resource}`),
        n,
      ),
      steadyState,
      rssMiB: { idle: idleRss, allReady: readyRss, compiledIdle: compiledIdle.rss, compiledAllReady: compiled.rss },
      heapUsedMiB: { compiledIdle: compiledIdle.heapUsed, compiledAllReady: compiled.heapUsed },
      memoryMiB: {
        compiledIdle: compiledIdle.memory,
        ...(compiledIdle.afterAudit ? { compiledIdleAfterAudit: compiledIdle.afterAudit } : {}),
        compiledAllReady: compiled.memory,
        compiledAllReadySettled: compiled.settled,
      },
      memoryVariants: variants,
      resync: { ...restarted.result, compiledMs: compiled.resyncMs },
      kms: kms.measurement(n, throttles),
      periodicAudit,
      ...(installedAudit ? { installedAudit } : {}),
      loadAverage: { afterOnboarding, ...loads, afterResyncAndMemory, ...(installedAudit ? { afterInstalledAudit: loadAverage() } : {}) },
    };
  } finally {
    if (operator) await retireKeepingLog(operator, n);
    await tracker.stop();
    client.close();
    await kms.close();
    kmsSettings = {};
  }
}
