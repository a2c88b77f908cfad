/**
 * `make bench-audit`: what the isolation audit costs over N tenants (docs/decisions/0024). On a
 * fresh KWOK environment the operator onboards N tenants (its periodic audit off); then
 *
 * - `bulkhead audit` runs as an auditor runs it (compiled, as the admin identity, live access
 *   probes on), once with the shipped login sample and once with every pair of the login matrix
 *   (the old behaviour), each printing its time and peak memory;
 * - the operator restarts with its periodic audit on and signing, with the product's lease
 *   timings; the run records what its log says the audit cost, whether it kept its lease, and
 *   whether the published report (in parts if it had to be) reassembles and verifies.
 *
 * AUDIT_CLI=0 leaves out the CLI's runs (the periodic audit only: its memory and the lease); the
 * published report is kept beside the run's other files (`published-report.json`), a template for
 * bench/audit-report-build.ts.
 *
 *   AUDIT_SIZES=300 AUDIT_ALL_PAIRS=1 node --import tsx bench/audit.ts
 */
import { mkdtempSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { KubeClient } from '../operator/src/kube/client.js';
import type { Environment } from '../testenv/src/environment.js';
import { eventually } from '../operator/test/support/cluster.js';
import { auditAsAnAuditor, type CliSetup } from './lib/cli-audit.js';
import { withEnvironment } from './lib/environment.js';
import { startLeadingOperator } from './lib/operator-run.js';
import { firstPass, installSigningKey, leaseKept, signingSecret, verifyPublished } from './lib/periodic-audit.js';
import { provenance, sizesFrom, writeResult } from './lib/results.js';
import { benchRun, runBench } from './lib/run-guard.js';
import { createTenants, tenantNames, TenantTracker } from './lib/tenants.js';

const run = benchRun();

async function periodicAudit(client: KubeClient, publicKeyPem: string, dir: string): Promise<Record<string, unknown>> {
  const operator = await startLeadingOperator({
    logLevel: 'info',
    audit: { enabled: true, initialDelaySeconds: 0, intervalSeconds: 3600, signingKeySecret: signingSecret },
  });
  try {
    const line = await eventually('the periodic audit to finish', () => Promise.resolve(firstPass(operator.logs)), 1_800_000);
    const lost = !leaseKept(operator.logs);
    const { publishedBytes, publishedVerifies } = await verifyPublished(client, publicKeyPem, dir);
    console.log(
      `   periodic audit: ${JSON.stringify(line)}; lease lost: ${lost}; published report verifies: ${publishedBytes > 0 ? publishedVerifies : 'none published'}`,
    );
    return { log: line, leaseLost: lost, publishedBytes, publishedVerifies };
  } finally {
    run.expectExit(operator);
    await operator.stop();
  }
}

async function measure(env: Environment, n: number): Promise<Record<string, unknown>> {
  const client = KubeClient.load(env.kubeconfig);
  const tracker = new TenantTracker(client);
  tracker.run();
  const dir = mkdtempSync(join(env.dir, 'run', 'bench-audit-'));
  const { keyFile, publicKeyPem } = await installSigningKey(client, dir);
  const setup: CliSetup = { env, dir, keyFile, signal: run.signal };
  try {
    run.enter(`onboarding ${n} tenant(s)`);
    const onboarding = await startLeadingOperator({ audit: { enabled: false } });
    const names = tenantNames('bench', n);
    const start = Date.now();
    for (const [name, at] of await createTenants(client, names)) tracker.expect(name, at);
    await tracker.waitReady(names, 120_000 + n * 3_000, run.signal);
    console.log(
      `   ${n} tenants Ready in ${((Date.now() - start) / 1000).toFixed(1)} s; load ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
    run.expectExit(onboarding);
    await onboarding.stop();
    const loadBefore = loadavg();
    run.enter('running bulkhead audit');
    const cli = process.env.AUDIT_CLI === '0' ? [] : [await auditAsAnAuditor(setup, {}, 'sampled')];
    // Every pair of the login matrix is n^2 logins (a million at 1000): AUDIT_ALL_PAIRS=0 leaves it out.
    if (cli.length > 0 && process.env.AUDIT_ALL_PAIRS !== '0') {
      cli.push(await auditAsAnAuditor(setup, { rotatingPerTenant: 1000, randomPerTenant: 0 }, 'all-pairs'));
    }
    run.enter('waiting for the periodic audit');
    const periodic = await periodicAudit(client, publicKeyPem, dir);
    console.log(`   run files in ${dir}`);
    return { tenants: n, loadAtStart: loadBefore, cli, periodic };
  } finally {
    await tracker.stop();
    client.close();
  }
}

await runBench(async () => {
  for (const n of sizesFrom(process.env.AUDIT_SIZES, [300])) {
    console.log(`\n== audit over ${n} tenant(s) ==`);
    const result = await withEnvironment(`audit-${n}`, (env) => measure(env, n).then((r) => ({ ...provenance(env), ...r })));
    console.log(`   wrote ${writeResult(`audit-${n}`, result)}`);
  }
});
