/**
 * What `bulkhead audit` costs while most Tenants are not yet onboarded (docs/decisions/0031): on a
 * fresh KWOK environment the operator onboards K tenants and stops, then N-K more Tenants are
 * created that nobody onboards (no namespace, database or key), as when 1000 Tenants are created at
 * once and the periodic audit runs mid-way. The compiled CLI then audits that state once per build
 * (with BASE_REF, that revision's first, then this tree's), each printing its time, peak memory and
 * longest event-loop stall. Numbers go to bench/results/audit-pending-N-K.json.
 *
 * With CPU_PROF=1 each CLI run also writes a V8 CPU profile beside its report (bench/profile-summary.ts
 * reads it, and names the longest span the event loop did not turn).
 *
 *   PENDING=400:10 BASE_REF=issue-17-audit2 node --import tsx bench/audit-pending.ts
 */
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { KubeClient } from '../operator/src/kube/client.js';
import { repoRoot } from '../operator/test/support/cluster.js';
import { operatorRegions } from '../operator/test/support/operator-process.js';
import type { Environment } from '../testenv/src/environment.js';
import { clusterRanges } from '../testenv/src/network.js';
import { runCompiledAudit, type CompiledAuditRun } from './lib/cli-audit.js';
import { buildCompiledOperator } from './lib/compiled-operator.js';
import { withEnvironment } from './lib/environment.js';
import { startLeadingOperator } from './lib/operator-run.js';
import { provenance, writeResult } from './lib/results.js';
import { benchRun, runBench } from './lib/run-guard.js';
import { createTenants, tenantNames, TenantTracker } from './lib/tenants.js';

const run = benchRun();

/** A compiled CLI, with operator/package.json where report/tool.js looks for the version. */
function compiled(root?: string, out?: string): string {
  const main = buildCompiledOperator(root, out);
  copyFileSync(join(repoRoot, 'operator/package.json'), join(dirname(main), '../../package.json'));
  return main;
}

/** `ref`'s operator/src, compiled as this tree's is (in .bulkhead, which git ignores). */
function compiledAt(ref: string): string {
  const dir = join(repoRoot, '.bulkhead', 'audit-base');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  execFileSync('bash', ['-c', `git -C "${repoRoot}" archive "${ref}" operator/src | tar -x -C "${dir}"`]);
  return compiled(dir, join(repoRoot, '.bulkhead', 'audit-base-dist'));
}

type CliRun = CompiledAuditRun & { build: string };

async function cliAudit(env: Environment, dir: string, build: string, main: string): Promise<CliRun> {
  const keyFile = join(dir, 'signing.pem');
  writeFileSync(keyFile, generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const configFile = join(dir, 'cli.yaml');
  writeFileSync(configFile, stringify({ regions: operatorRegions(), network: { clusterCIDRs: clusterRanges(env) } }));
  const out = join(dir, `report-${build.replace(/\W+/g, '-')}.json`);
  const profile = process.env.CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
  const measured = await runCompiledAudit({ main, env, configFile, keyFile, out, nodeArgs: profile, signal: run.signal });
  console.log(
    `   bulkhead audit (${build}): exit ${measured.exitCode}; ${measured.costLine}${profile.length > 0 ? ` (profile in ${dir})` : ''}`,
  );
  return { build, ...measured };
}

async function measure(env: Environment, n: number, onboarded: number, builds: [string, string][]): Promise<Record<string, unknown>> {
  const client = KubeClient.load(env.kubeconfig);
  const tracker = new TenantTracker(client);
  tracker.run();
  const dir = mkdtempSync(join(env.dir, 'run', 'bench-audit-pending-'));
  try {
    const names = tenantNames('bench', n);
    if (onboarded > 0) {
      const operator = await startLeadingOperator({ audit: { enabled: false } });
      for (const [name, at] of await createTenants(client, names.slice(0, onboarded))) tracker.expect(name, at);
      await tracker.waitReady(names.slice(0, onboarded), 120_000 + onboarded * 3_000, run.signal);
      run.expectExit(operator);
      await operator.stop();
    }
    await createTenants(client, names.slice(onboarded));
    console.log(
      `   ${onboarded} tenants onboarded, ${n - onboarded} created and left pending; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    const runs: CliRun[] = [];
    for (const [build, main] of builds) runs.push(await cliAudit(env, dir, build, main));
    return { tenants: n, onboarded, runs };
  } finally {
    await tracker.stop();
    client.close();
  }
}

await runBench(async () => {
  const [n, onboarded] = (process.env.PENDING ?? '400:10').split(':').map(Number) as [number, number];
  const base = process.env.BASE_REF;
  const builds: [string, string][] = [...(base ? [[base, compiledAt(base)] as [string, string]] : []), ['this tree', compiled()]];
  console.log(`\n== audit over ${n} tenant(s), ${onboarded} onboarded ==`);
  const result = await withEnvironment(`audit-pending-${n}`, (env) =>
    measure(env, n, onboarded, builds).then((r) => ({ ...provenance(env), ...r })),
  );
  console.log(`   wrote ${writeResult(`audit-pending-${n}-${onboarded}`, result)}`);
});
