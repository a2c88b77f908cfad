/**
 * The compiled operator's memory at rest (no tenant, leading), and where it goes: VmRSS and V8's
 * used heap 5 s after it served metrics (the moment `make bench`'s idle column reads, compiledProbe
 * in lib/operator-run.ts, with the same breakdown) and then every 5 s for 30 s from 15 s after it
 * (settled), on one KWOK environment. With
 * BASE_REF, the operator of that git revision is measured beside this tree's, alternately, twice,
 * so that a change is read against the same machine and moment. Numbers go to
 * bench/results/memory-at-rest.json.
 *
 * BENCH_AUDIT=1 runs them with the periodic audit on, as the chart ships it (its first pass 60 s
 * after leading); LATE_SAMPLE_SECONDS=<s> adds one more sample that long after it served metrics
 * (90: after that first pass).
 *
 *   BASE_REF=main node --import tsx bench/memory-at-rest.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../operator/test/support/cluster.js';
import type { Environment } from '../testenv/src/environment.js';
import { buildCompiledOperator, startCompiledOperator } from './lib/compiled-operator.js';
import { withEnvironment } from './lib/environment.js';
import { heapUsedMiB, memoryBreakdown, rssMiB, type MemoryBreakdown } from './lib/operator-metrics.js';
import { provenance, writeResult } from './lib/results.js';
import { benchRun, runBench } from './lib/run-guard.js';

const run = benchRun();

/** `ref`'s operator/src, compiled as this tree's is (in .bulkhead, which git ignores). */
function buildAt(ref: string): string {
  const dir = join(repoRoot, '.bulkhead', 'memory-base');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${repoRoot}" archive "${ref}" operator/src | tar -x -C "${dir}"`]);
  return buildCompiledOperator(dir, join(repoRoot, '.bulkhead', 'memory-base-dist'));
}

interface Sampled {
  build: string;
  leading: boolean;
  /** 5 s after it served metrics, as `make bench` reads the idle operator. */
  atStart: MemoryBreakdown;
  /** Every 5 s for 30 s, from 15 s after it served metrics. */
  samples: { rssMiB: number; heapUsedMiB: number }[];
  /** LATE_SAMPLE_SECONDS after it served metrics, if set. */
  late?: MemoryBreakdown;
}

const lateSampleSeconds = Number(process.env.LATE_SAMPLE_SECONDS ?? 0);

async function sample(env: Environment, label: string, main: string): Promise<Sampled> {
  const operator = startCompiledOperator(env, main, `rest-${process.pid}-${Date.now()}`);
  run.watch(`the operator of ${label}`, operator);
  try {
    const url = await run.race(operator.metricsUrl);
    const served = Date.now();
    await run.sleep(5_000);
    const atStart = await memoryBreakdown(operator.child.pid ?? 0, url);
    await run.sleep(10_000);
    const samples: Sampled['samples'] = [];
    for (let i = 0; i < 6; i++) {
      samples.push({ rssMiB: rssMiB(operator.child.pid ?? 0), heapUsedMiB: await heapUsedMiB(url) });
      await run.sleep(5_000);
    }
    let late: MemoryBreakdown | undefined;
    if (lateSampleSeconds > 0) {
      await run.sleep(Math.max(0, served + lateSampleSeconds * 1000 - Date.now()));
      late = await memoryBreakdown(operator.child.pid ?? 0, url);
    }
    return { build: label, leading: operator.output().includes('Acquired leader lease'), atStart, samples, ...(late ? { late } : {}) };
  } finally {
    run.expectExit(operator);
    await operator.stop();
  }
}

async function main(): Promise<void> {
  const base = process.env.BASE_REF;
  const builds: [string, string][] = [...(base ? [[base, buildAt(base)] as [string, string]] : []), ['this tree', buildCompiledOperator()]];
  const { rounds, origin } = await withEnvironment('memory-at-rest', async (env) => {
    const sampled: (Sampled & { round: number })[] = [];
    for (const round of base ? [1, 2] : [1]) {
      for (const [label, main] of builds) {
        const result = { round, ...(await sample(env, label, main)) };
        sampled.push(result);
        const line = result.samples.map((s) => `${s.rssMiB} / ${s.heapUsedMiB}`).join(', ');
        const { rss, rssAnon, rssFile, heapTotal, heapUsed } = result.atStart;
        const start = `${rss} (anon ${rssAnon}, file ${rssFile}) / ${heapUsed} (committed ${heapTotal})`;
        console.log(
          `round ${round}: ${label} (${result.leading ? 'leading' : 'NOT leading'}), VmRSS / heap used MiB 5 s after start: ${start}; ` +
            `settled, every 5 s from 15 s: ${line}` +
            (result.late ? `; ${lateSampleSeconds} s after start: ${result.late.rss} / ${result.late.heapUsed}` : ''),
        );
      }
    }
    return { rounds: sampled, origin: provenance(env) };
  });
  console.log(`wrote ${writeResult('memory-at-rest', { ...origin, baseRef: base ?? null, rounds })}`);
}

await runBench(main);
