/**
 * One run of the compiled `bulkhead audit` against a bench environment, as an auditor runs it:
 * its exit code, the cost line it prints on standard error (time, peak memory, longest stall), the
 * report's size and the wall time. bench/audit.ts and bench/audit-pending.ts both measure with it.
 */
import { execFile } from 'node:child_process';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import type { Environment } from '../../testenv/src/environment.js';

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
