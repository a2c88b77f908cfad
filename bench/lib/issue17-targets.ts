/**
 * Issue 17's targets against one run of `make bench` (bench/onboarding.ts): each target, what the
 * run measured, and whether it was met, missed, or not measured in this run (a phase left out).
 * Pure: the numbers come in, the table's rows go out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

export type Verdict = 'met' | 'missed' | 'not measured';

export interface TargetRow {
  target: string;
  measured: string;
  verdict: Verdict;
}

/** The API's two runs: as fast as it goes, and at the fixed rate where the p99 is read. */
export interface ApiMeasurement {
  rate: number;
  maxThroughput: { requestsPerSecond: number };
  fixedRate: { requestsPerSecond: number; latencyMs: { p99: number }; non2xx: number; errors: number };
}

/** The periodic audit pass that started after all tenants were Ready, from its log line. */
export interface PeriodicAuditMeasurement {
  finished: boolean;
  seconds?: number;
  peakRssMiB?: number;
  longestStallSeconds?: number;
  /** Parts under a manifest; 0 when the report fit in one ConfigMap (operator/src/audit/publish.ts). */
  publishedParts?: number;
  compressedBytes?: number;
  leaseKept: boolean;
  publishedVerifies: boolean;
  /** Why there is no pass to read (it did not come within the cap), if there is none. */
  missing?: string;
}

/** The pass of the compiled operator in a memory cgroup of the chart's limit (installed-audit.ts). */
export interface InstalledAuditMeasurement {
  limitMiB: number;
  /** Set when it could not be measured here (no memory cgroup): why. */
  unavailable?: string;
  finished: boolean;
  seconds?: number;
  peakRssMiB?: number;
  peakHeapUsedMiB?: number;
  longestStallSeconds?: number;
  /** The most the cgroup was charged at once (RSS and the page cache it caused). */
  cgroupPeakMiB?: number;
  /** How many times the kernel's OOM killer killed a process of the group. */
  oomKills: number;
  /** How the operator ended if it ended before its pass did (a signal or exit code, and its last output). */
  died?: string;
  leaseKept: boolean;
  publishedVerifies?: boolean;
}

export interface CliAuditMeasurement {
  exitCode: number;
  costLine: string;
  wallSeconds: number;
}

export interface Issue17Inputs {
  rssMiB: { compiledIdle: number; compiledAllReady: number };
  /** The idle compiled operator 5 s after its first audit pass (BENCH_AUDIT=1); null without the audit. */
  idleAfterAuditMiB: number | null;
  resync: { ms: number; compiledMs: number; writesExcludingLeases: number };
  /** Operator total / plain script total, full stack; null without the plain script. */
  ratioFullStack: number | null;
  p50Ms: number;
  totalMs: number;
  api: ApiMeasurement | null;
  periodicAudit: PeriodicAuditMeasurement | null;
  installedAudit: InstalledAuditMeasurement | null;
  cliAudit: CliAuditMeasurement | null;
  /** The chart's operator.resources.limits.memory, MiB. */
  operatorMemoryLimitMiB: number;
}

/**
 * Issue 17's numbers. "p50 well below the total" is read against its floor: n tenants of equal work
 * through one bottleneck finish at best one after another, so the median cannot come before half
 * the total; met within a tenth of the total above that floor (docs/decisions/0066).
 */
export const targets = {
  rssAllReadyMiB: 150,
  rssIdleMiB: 80,
  resyncSeconds: 60,
  ratio: 1.25,
  p50OfTotal: 0.55,
  apiP99Ms: 20,
  apiRate: 1000,
  /** The fixed-rate run counts as holding the rate when it sent at least this share of it. */
  apiRateHeld: 0.98,
} as const;

const judge = (ok: boolean): Verdict => (ok ? 'met' : 'missed');
const s = (ms: number): string => (ms / 1000).toFixed(1);

function memoryRows({ rssMiB, idleAfterAuditMiB }: Issue17Inputs): TargetRow[] {
  const afterAudit = `RSS idle after its first audit pass <= ${targets.rssIdleMiB} MiB (compiled, audit on as shipped)`;
  return [
    {
      target: `RSS with all Ready <= ${targets.rssAllReadyMiB} MiB (compiled)`,
      measured: `${rssMiB.compiledAllReady} MiB`,
      verdict: judge(rssMiB.compiledAllReady <= targets.rssAllReadyMiB),
    },
    {
      target: `RSS idle <= ${targets.rssIdleMiB} MiB (compiled)`,
      measured: `${rssMiB.compiledIdle} MiB`,
      verdict: judge(rssMiB.compiledIdle <= targets.rssIdleMiB),
    },
    idleAfterAuditMiB === null
      ? { target: afterAudit, measured: 'left out (BENCH_AUDIT=0)', verdict: 'not measured' }
      : { target: afterAudit, measured: `${idleAfterAuditMiB} MiB`, verdict: judge(idleAfterAuditMiB <= targets.rssIdleMiB) },
  ];
}

function onboardingRows({ resync, ratioFullStack, p50Ms, totalMs }: Issue17Inputs): TargetRow[] {
  const share = p50Ms / totalMs;
  return [
    {
      target: `re-sync <= ${targets.resyncSeconds} s (compiled)`,
      measured: `${s(resync.compiledMs)} s (tsx ${s(resync.ms)} s)`,
      verdict: judge(resync.compiledMs <= targets.resyncSeconds * 1000),
    },
    {
      target: 're-sync writes besides the Lease = 0',
      measured: String(resync.writesExcludingLeases),
      verdict: judge(resync.writesExcludingLeases === 0),
    },
    ratioFullStack === null
      ? { target: `operator / plain script <= ${targets.ratio}`, measured: 'no plain script (BENCH_PLAIN=0)', verdict: 'not measured' }
      : {
          target: `operator / plain script <= ${targets.ratio}`,
          measured: ratioFullStack.toFixed(2),
          verdict: judge(ratioFullStack <= targets.ratio),
        },
    {
      target: `p50 well below the total (p50 / total <= ${targets.p50OfTotal}; 0.5 is the floor)`,
      measured: Number.isFinite(share) ? `${s(p50Ms)} s / ${s(totalMs)} s = ${share.toFixed(2)}` : '-',
      verdict: judge(share <= targets.p50OfTotal),
    },
  ];
}

function apiRow({ api }: Issue17Inputs): TargetRow {
  const target = `API GET /v1/tenants/{name} p99 <= ${targets.apiP99Ms} ms at >= ${targets.apiRate} req/s`;
  if (!api) return { target, measured: 'left out (BENCH_API=0)', verdict: 'not measured' };
  const fixed = api.fixedRate;
  const failed = fixed.non2xx + fixed.errors;
  const held = fixed.requestsPerSecond >= api.rate * targets.apiRateHeld;
  return {
    target,
    measured: `p99 ${fixed.latencyMs.p99} ms at ${fixed.requestsPerSecond} req/s (fixed ${api.rate}/s; ${failed} failed); max ${api.maxThroughput.requestsPerSecond} req/s`,
    verdict: judge(api.rate >= targets.apiRate && held && failed === 0 && fixed.latencyMs.p99 <= targets.apiP99Ms),
  };
}

const orDash = (value: number | undefined): string | number => value ?? '-';

/** The pass as one cell: how it ended, its time, peak, stall and the lease. */
function passCell(p: PeriodicAuditMeasurement): string {
  if (p.missing) return p.missing;
  const ended = p.finished ? 'finished' : 'failed';
  return `${ended} in ${orDash(p.seconds)} s, peak ${orDash(p.peakRssMiB)} MiB (under tsx, no memory limit), longest stall ${orDash(p.longestStallSeconds)} s, lease ${p.leaseKept ? 'kept' : 'lost'}`;
}

function publishedCell(p: PeriodicAuditMeasurement): string {
  if (p.publishedParts === undefined) return 'nothing published';
  const where = p.publishedParts === 0 ? 'in one ConfigMap' : `in ${p.publishedParts} parts`;
  return `${where}, ${orDash(p.compressedBytes)} bytes compressed, ${p.publishedVerifies ? 'verifies' : 'does NOT verify'}`;
}

function periodicRows({ periodicAudit: p }: Issue17Inputs): TargetRow[] {
  const target = 'periodic audit finishes, leader keeps its lease (the operator that onboarded, under tsx)';
  const published = 'periodic audit report published, reassembles and verifies';
  if (!p) {
    return [
      { target, measured: 'left out (BENCH_AUDIT=0)', verdict: 'not measured' },
      { target: published, measured: 'left out (BENCH_AUDIT=0)', verdict: 'not measured' },
    ];
  }
  return [
    { target, measured: passCell(p), verdict: judge(p.finished && p.leaseKept) },
    { target: published, measured: publishedCell(p), verdict: judge(p.publishedParts !== undefined && p.publishedVerifies) },
  ];
}

/** The installed pass as one cell: how it ended, its time and peaks, the group's charge and OOM kills. */
function installedCell(i: InstalledAuditMeasurement): string {
  if (i.unavailable) return i.unavailable;
  const ended = i.finished ? 'finished' : `did not finish (${(i.died ?? 'its pass failed').split('\n')[0]})`;
  return (
    `${ended}; ${orDash(i.seconds)} s, peak RSS ${orDash(i.peakRssMiB)} MiB, heap ${orDash(i.peakHeapUsedMiB)} MiB, ` +
    `cgroup peak ${orDash(i.cgroupPeakMiB)} MiB, OOM kills ${i.oomKills}, longest stall ${orDash(i.longestStallSeconds)} s, ` +
    `lease ${i.leaseKept ? 'kept' : 'lost'}, report ${i.publishedVerifies ? 'verifies' : 'not verified'}`
  );
}

function installedRow({ installedAudit: i, operatorMemoryLimitMiB: limit }: Issue17Inputs): TargetRow {
  const target = `periodic audit as installed (compiled, chart flags, in a ${limit} MiB memory cgroup) finishes, keeps its lease, report verifies`;
  if (!i) return { target, measured: 'left out (BENCH_AUDIT=0)', verdict: 'not measured' };
  if (i.unavailable) return { target, measured: installedCell(i), verdict: 'not measured' };
  return {
    target,
    measured: installedCell(i),
    verdict: judge(i.finished && i.leaseKept && i.oomKills === 0 && i.publishedVerifies === true),
  };
}

function cliRow({ cliAudit }: Issue17Inputs): TargetRow {
  const target = '`bulkhead audit` (compiled, sampled logins) finishes';
  if (!cliAudit) return { target, measured: 'left out (BENCH_AUDIT=0 or BENCH_CLI_AUDIT=0)', verdict: 'not measured' };
  return {
    target,
    measured: `exit ${cliAudit.exitCode} after ${cliAudit.wallSeconds.toFixed(1)} s; ${cliAudit.costLine.trim()}`,
    verdict: judge(cliAudit.exitCode === 0),
  };
}

/** Every target of issue 17 with what this run measured, in the issue's order. */
export function issue17Verdicts(inputs: Issue17Inputs): TargetRow[] {
  return [...memoryRows(inputs), ...onboardingRows(inputs), apiRow(inputs), ...periodicRows(inputs), installedRow(inputs), cliRow(inputs)];
}

/** A Kubernetes memory quantity ("512Mi", "1Gi", "536870912", "500M") in MiB; throws naming the value otherwise. */
export function quantityMiB(quantity: string): number {
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(quantity.trim());
  if (!match) throw new Error(`memory limit "${quantity}" is not a Kubernetes quantity like 512Mi`);
  const factor: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9, '': 1 };
  return (Number(match[1]) * (factor[match[2] ?? ''] ?? 1)) / 2 ** 20;
}

/** charts/bulkhead/values.yaml's operator.resources.limits.memory, in MiB. */
export function chartOperatorMemoryLimitMiB(repoRoot: string): number {
  const values = parse(readFileSync(join(repoRoot, 'charts/bulkhead/values.yaml'), 'utf8')) as {
    operator?: { resources?: { limits?: { memory?: string } } };
  };
  const limit = values.operator?.resources?.limits?.memory;
  if (!limit) throw new Error('charts/bulkhead/values.yaml has no operator.resources.limits.memory');
  return quantityMiB(limit);
}
