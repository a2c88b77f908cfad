/**
 * The periodic audit as the chart installs it (BENCH_AUDIT=1): the compiled operator with the
 * chart's V8 flags, NODE_OPTIONS and malloc arenas, inside a memory cgroup of the chart's
 * `operator.resources.limits.memory` (memory-cgroup.ts), signing with the bench's key. Its first
 * pass (60 s after it leads, as shipped) over the tenants the run made Ready is the measurement:
 * whether it finished without the kernel or V8 stopping it, its time, the peaks it logged (the
 * pass's own process, a child of the operator in the same group: decision 0068), the group's peak
 * charge (both processes), and whether the report it published verifies.
 *
 * The operator that onboarded the tenants runs under tsx without a limit; its pass says what the
 * audit costs, not whether a pod of the chart's size survives it (Node sizes its heap from the
 * limit: 259 MiB at 512 MiB). This one does.
 */
import type { KubeClient } from '../../operator/src/kube/client.js';
import type { Environment } from '../../testenv/src/environment.js';
import { buildCompiledOperator, startCompiledOperator } from './compiled-operator.js';
import type { InstalledAuditMeasurement } from './issue17-targets.js';
import { createMemoryCgroup, type MemoryCgroup } from './memory-cgroup.js';
import { firstPass, jsonLogLines, leaseKept, signingSecret, verifyPublished } from './periodic-audit.js';
import { benchRun } from './run-guard.js';

type LogLine = Record<string, unknown>;

/** The measurement issue17-targets.ts judges, with the pass's last log line as it is. */
export type InstalledAuditRun = InstalledAuditMeasurement & { log?: LogLine };

const mib = (bytes: number | undefined): number | undefined => (bytes === undefined ? undefined : Math.round((bytes / 1048576) * 10) / 10);
const numberIn = (line: LogLine | undefined, key: string): number | undefined => (typeof line?.[key] === 'number' ? line[key] : undefined);

/** What the pass's last line says it cost, with the line itself. */
function passNumbers(line: LogLine | undefined): Partial<InstalledAuditRun> {
  if (!line) return {};
  return {
    log: line,
    seconds: numberIn(line, 'seconds'),
    peakRssMiB: numberIn(line, 'peakRssMiB'),
    peakHeapUsedMiB: numberIn(line, 'peakHeapUsedMiB'),
    longestStallSeconds: numberIn(line, 'longestStallSeconds'),
  };
}

export interface InstalledAuditOptions {
  env: Environment;
  client: KubeClient;
  tenants: number;
  limitMiB: number;
  evidence: { dir: string; publicKeyPem: string };
}

/** Runs the installed operator until its first audit pass ends, it dies, or the wait runs out. */
export async function auditAsInstalled(options: InstalledAuditOptions): Promise<InstalledAuditRun> {
  const { env, client, tenants, limitMiB, evidence } = options;
  const run = benchRun();
  const group = createMemoryCgroup(`bulkhead-bench-${process.pid}-${Date.now()}`, limitMiB * 1048576);
  if ('unavailable' in group) return { limitMiB, unavailable: group.unavailable, finished: false, oomKills: 0, leaseKept: false };
  const operator = startCompiledOperator(env, buildCompiledOperator(), `installed-audit-${process.pid}`, {
    cgroup: group,
    config: { audit: { enabled: true, signingKeySecret: signingSecret } },
  });
  const logs = jsonLogLines(operator.child);
  let died: string | undefined;
  void operator.exited.then((how) => (died ??= `exited (${String(how)}) before its pass ended; its last output:\n${operator.output()}`));
  try {
    const line = await firstPassOf(logs, () => died !== undefined, tenants);
    const published =
      line?.message === 'Audited tenant isolation' ? await verifyPublished(client, evidence.publicKeyPem, evidence.dir) : undefined;
    return {
      limitMiB,
      finished: published !== undefined,
      ...passNumbers(line),
      cgroupPeakMiB: mib(group.peakBytes()),
      oomKills: group.oomKills(),
      ...(line ? {} : { died: died ?? noPass }),
      leaseKept: leaseKept(logs) && line !== undefined,
      ...(published ? { publishedVerifies: published.publishedVerifies } : {}),
    };
  } finally {
    run.expectExit(operator);
    await operator.stop();
    removeGroup(group);
  }
}

/** The first pass's last line, once there is one, the operator died, or the wait ran out. */
async function firstPassOf(logs: readonly LogLine[], dead: () => boolean, tenants: number): Promise<LogLine | undefined> {
  // The first pass starts 60 s after it leads (as shipped); a whole pass at 1000 took about 120 s.
  const deadline = Date.now() + (120 + Math.max(600, tenants)) * 1000;
  while (!firstPass(logs) && !dead() && Date.now() < deadline) await benchRun().sleep(1_000);
  return firstPass(logs);
}

const noPass = 'no pass ended before the bench stopped waiting';

/** The group goes once its process has; one that cannot be removed is said, not thrown over the result. */
function removeGroup(group: MemoryCgroup): void {
  try {
    group.remove();
  } catch (error) {
    console.log(`   could not remove the memory cgroup ${group.procsFile}: ${String(error)}`);
  }
}
