/**
 * Where the compiled operator spends its CPU and keeps its heap while N tenants are created at
 * once and become Ready: a V8 CPU profile of the whole run (--cpu-prof, written when it stops) and
 * a heap snapshot once all are Ready (--heapsnapshot-signal), both into bench/tmp/profile-<pid>/.
 * With BASE_REF (one revision or several, comma-separated), their operator/src is profiled the same
 * way first, each on a fresh environment; THIS_TREE=0 leaves this tree's out; OPERATOR_NODE_ARGS
 * adds node flags (say, --max-semi-space-size=2) to every operator it starts. Read the files with
 * bench/profile-summary.ts and bench/heap-summary.ts.
 *
 *   PROFILE_TENANTS=200 BASE_REF=8e4d54d,main THIS_TREE=0 node --import tsx bench/operator-profile.ts
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { KubeClient } from '../operator/src/kube/client.js';
import { repoRoot } from '../operator/test/support/cluster.js';
import type { Environment } from '../testenv/src/environment.js';
import { buildCompiledOperator, startCompiledOperator, type CompiledOperator } from './lib/compiled-operator.js';
import { benchTmp, withEnvironment } from './lib/environment.js';
import { heapUsedMiB, rssMiB, scrape } from './lib/operator-metrics.js';
import { benchRun, runBench } from './lib/run-guard.js';
import { distribution, seconds } from './lib/stats.js';
import { createTenants, tenantNames, TenantTracker } from './lib/tenants.js';

const run = benchRun();
const tenants = Number(process.env.PROFILE_TENANTS ?? 200);
const out = join(benchTmp, `profile-${process.pid}`);

/** `ref`'s operator/src, compiled as this tree's is (in .bulkhead, which git ignores). */
function buildAt(ref: string): string {
  const dir = join(repoRoot, '.bulkhead', `profile-${ref}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${repoRoot}" archive "${ref}" operator/src | tar -x -C "${dir}"`]);
  return buildCompiledOperator(dir, join(repoRoot, '.bulkhead', `profile-${ref}-dist`));
}

/** Starts the compiled operator with the profiler on. */
function startProfiled(env: Environment, main: string, label: string): CompiledOperator {
  const dir = join(out, label);
  mkdirSync(dir, { recursive: true });
  const profiling = [`--cpu-prof`, `--cpu-prof-dir=${dir}`, '--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${dir}`];
  profiling.push(...(process.env.OPERATOR_NODE_ARGS ?? '').split(' ').filter(Boolean));
  return startCompiledOperator(env, main, `profile-${label}-${Date.now()}`, { nodeArgs: profiling });
}

async function leading(operator: CompiledOperator): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!operator.output().includes('Acquired leader lease')) {
    if (Date.now() > deadline) throw new Error(`the operator did not lead within 60 s:\n${operator.output()}`);
    await run.sleep(200);
  }
}

/** Asks for a heap snapshot and waits until it is written (the operator answers /metrics again). */
async function heapSnapshot(operator: CompiledOperator, url: string, label: string): Promise<void> {
  operator.child.kill('SIGUSR2');
  await run.sleep(1_000);
  await heapUsedMiB(url);
  const written = readdirSync(join(out, label)).filter((f) => f.endsWith('.heapsnapshot'));
  if (written.length === 0) throw new Error('no heap snapshot was written');
}

async function profile(label: string, main: string): Promise<void> {
  await withEnvironment(`profile-${label}`, async (env) => {
    const client = KubeClient.load(env.kubeconfig);
    const tracker = new TenantTracker(client);
    tracker.run();
    const operator = startProfiled(env, main, label);
    run.watch(`the operator of ${label}`, operator);
    try {
      const url = await run.race(operator.metricsUrl);
      await leading(operator);
      const load = loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
      const names = tenantNames('profile', tenants);
      const before = await scrape(url);
      const start = Date.now();
      for (const [name, at] of await createTenants(client, names)) tracker.expect(name, at);
      await tracker.waitReady(names, 120_000 + tenants * 3_000, run.signal);
      const ready = names.map((name) => (tracker.times.get(name)?.ready ?? Number.NaN) - (tracker.times.get(name)?.created ?? start));
      const totalMs = Math.max(...names.map((name) => tracker.times.get(name)?.ready ?? Number.NaN)) - start;
      const after = await scrape(url);
      const work = `${(after.cpuSeconds - before.cpuSeconds).toFixed(1)} s of CPU in ${after.tenantReconciles - before.tenantReconciles} tenant reconciles`;
      await run.sleep(10_000);
      const memory = `VmRSS ${rssMiB(operator.child.pid ?? 0)} MiB, heap used ${await heapUsedMiB(url)} MiB`;
      console.log(
        `${label}: ${tenants} Ready, p50 ${seconds(distribution(ready).p50)} s, total ${seconds(totalMs)} s ` +
          `(load average at the start ${load}), ${work}; 10 s later ${memory}`,
      );
      await heapSnapshot(operator, url, label);
    } finally {
      run.expectExit(operator);
      await operator.stop();
      await tracker.stop();
      client.close();
    }
  });
  console.log(`${label}: profile and heap snapshot in ${join(out, label)}`);
}

async function main(): Promise<void> {
  const refs = (process.env.BASE_REF ?? '').split(',').filter(Boolean);
  const builds: [string, string][] = [
    ...refs.map((ref): [string, string] => [ref, buildAt(ref)]),
    ...(process.env.THIS_TREE === '0' ? [] : [['this-tree', buildCompiledOperator()] as [string, string]]),
  ];
  for (const [label, main] of builds) await profile(label, main);
}

await runBench(main);
