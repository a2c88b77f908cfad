/**
 * One run of the compiled `bulkhead audit` against a bench environment, as an auditor runs it:
 * its exit code, the cost line it prints on standard error (time, peak memory, longest stall), the
 * report's size and the wall time. bench/audit.ts, bench/audit-pending.ts and bench/onboarding.ts
 * (BENCH_AUDIT=1) measure with it.
 */
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { operatorRegions } from '../../operator/test/support/operator-process.js';
import { clusterRanges } from '../../testenv/src/network.js';
import type { Environment } from '../../testenv/src/environment.js';
import { buildCompiledOperator } from './compiled-operator.js';

export interface CompiledAuditRun {
  exitCode: number;
  costLine: string;
  reportBytes: number;
  wallSeconds: number;
}

export interface CompiledAuditOptions {
  /** The compiled CLI's main.js. */
  main: string;
  env: Environment;
  /** BULKHEAD_CONFIG for the run. */
  configFile: string;
  keyFile: string;
  /** Where the signed report goes. */
  out: string;
  /** Flags for node before the script (--cpu-prof). */
  nodeArgs?: string[];
  signal?: AbortSignal;
}

export async function runCompiledAudit(options: CompiledAuditOptions): Promise<CompiledAuditRun> {
  const started = Date.now();
  const args = [...(options.nodeArgs ?? []), options.main, 'audit', '--signing-key', options.keyFile, '--out', options.out];
  const result = await promisify(execFile)(process.execPath, args, {
    env: { ...process.env, KUBECONFIG: options.env.kubeconfig, BULKHEAD_CONFIG: options.configFile },
    maxBuffer: 64 * 1024 * 1024,
    signal: options.signal,
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (error: { code?: number; stderr?: string; message?: string }) => ({
      code: error.code ?? -1,
      stderr: error.stderr ?? error.message ?? '',
    }),
  );
  const costLine = result.stderr.split('\n').find((line) => line.includes('tenants audited in')) ?? result.stderr.slice(-2000);
  return {
    exitCode: result.code,
    costLine,
    reportBytes: statSync(options.out, { throwIfNoEntry: false })?.size ?? 0,
    wallSeconds: (Date.now() - started) / 1000,
  };
}

let compiledMain: string | undefined;

/** The compiled CLI, built once per bench (with the version where it looks for it: buildCompiledOperator). */
export function compiledCli(): string {
  return (compiledMain ??= buildCompiledOperator());
}

export type CliRun = CompiledAuditRun & { logins: string };

export interface CliSetup {
  env: Environment;
  /** Where the run's config and report go. */
  dir: string;
  /** The signing key (PKCS#8 PEM). */
  keyFile: string;
  signal?: AbortSignal;
}

/**
 * `bulkhead audit` as an auditor runs it (compiled, live access probes on) over every tenant of
 * the environment, with `logins` as audit.databaseLogins ({}: the shipped sample); prints its cost line.
 */
export async function auditAsAnAuditor(setup: CliSetup, logins: Record<string, number>, label: string): Promise<CliRun> {
  const { env, dir, keyFile, signal } = setup;
  const configFile = join(dir, `cli-${label}.yaml`);
  writeFileSync(
    configFile,
    stringify({ regions: operatorRegions(), network: { clusterCIDRs: clusterRanges(env) }, audit: { databaseLogins: logins } }),
  );
  const out = join(dir, `report-${label}.json`);
  const measured = await runCompiledAudit({ main: compiledCli(), env, configFile, keyFile, out, ...(signal ? { signal } : {}) });
  console.log(`   bulkhead audit (${label}): exit ${measured.exitCode}; ${measured.costLine}`);
  return { logins: label, ...measured };
}
