/**
 * The onboarding API under load, for bench/api.ts and bench/onboarding.ts: the real `bulkhead api`
 * process (or bench/lib/cached-api.ts, the proposal) in front of the environment's kube-apiserver,
 * its audit trail on the environment's PostgreSQL, and autocannon sending GET /v1/tenants/{name}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { repoRoot } from '../../operator/test/support/cluster.js';
import type { Environment } from '../../testenv/src/environment.js';
import { freePort } from '../../testenv/src/processes.js';
import { benchRun } from './run-guard.js';

const bulkhead = join(repoRoot, 'operator/bin/bulkhead.js');

export interface RunningApi {
  child: ChildProcess;
  url: string;
  token: string;
}

/** The audit trail in a database of its own (created by the superuser, who also owns its table). */
async function auditTrailUrl(env: Environment): Promise<string> {
  const admin = new pg.Client({ connectionString: env.postgres.url });
  await admin.connect();
  await admin.query('CREATE DATABASE "bulkhead_audit"').catch(() => undefined);
  await admin.end();
  const url = new URL(env.postgres.url);
  url.pathname = '/bulkhead_audit';
  return url.toString();
}

function mintToken(env: Environment, name: string): string {
  return (
    execFileSync(process.execPath, [bulkhead, 'token', 'create', '--role', 'sales-ops', '--name', name], {
      env: { ...process.env, KUBECONFIG: env.kubeconfig },
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop() ?? ''
  );
}

/** Waits for the API to answer; when the run stops first, stops it and rejects with the reason. */
async function waitHealthy(child: ChildProcess, url: string, token: string, log: string): Promise<RunningApi> {
  const { signal } = benchRun();
  for (let i = 0; i < 150; i++) {
    if (signal.aborted) child.kill('SIGTERM');
    signal.throwIfAborted();
    if (
      await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      return { child, url, token };
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`the onboarding API did not start; see ${log}`);
}

/** The proposal: bench/lib/cached-api.ts, GETs from a watch cache. */
export async function startCachedApi(env: Environment): Promise<RunningApi> {
  const token = mintToken(env, 'bench-cached');
  const port = await freePort();
  const log = join(env.dir, 'run', 'logs', 'cached-api.log');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/lib/cached-api.ts')], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig, PORT: String(port) },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  return waitHealthy(child, `http://127.0.0.1:${port}`, token, log);
}

export async function startApi(env: Environment): Promise<RunningApi> {
  const childEnv = { ...process.env, KUBECONFIG: env.kubeconfig };
  const token = mintToken(env, 'bench');
  // The default rate limit (60 per client, 10/s) would answer 429 to a load test.
  const config = join(env.dir, 'run', 'api-config.yaml');
  writeFileSync(config, 'rateLimit: { capacity: 1000000, refillPerSecond: 1000000 }\n');
  const port = await freePort();
  const log = join(env.dir, 'run', 'logs', 'api.log');
  // API_CPU_PROFILE_DIR=<dir>: the API writes a V8 CPU profile there when it exits (SIGTERM).
  const profile = process.env.API_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.API_CPU_PROFILE_DIR}`] : [];
  const child = spawn(process.execPath, [...profile, bulkhead, 'api'], {
    env: {
      ...childEnv,
      BULKHEAD_API_CONFIG: config,
      BULKHEAD_API_PORT: String(port),
      BULKHEAD_API_METRICS_PORT: '0',
      BULKHEAD_AUDIT_TRAIL_URL: await auditTrailUrl(env),
    },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  return waitHealthy(child, `http://127.0.0.1:${port}`, token, log);
}

/** CPU seconds (user + system) a process has used, from /proc (clock ticks of 1/100 s); 0 once it is gone. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The environment's PostgreSQL server and its backends: the postmaster is the `postgres` whose command line names the environment's directory. */
function postgresPids(envDir: string): number[] {
  const processes = readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .map((entry) => {
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        return {
          pid: Number(entry),
          ppid: Number(stat.split(') ')[1]?.split(' ')[1]),
          cmdline: readFileSync(`/proc/${entry}/cmdline`, 'utf8'),
        };
      } catch {
        return undefined;
      }
    })
    .filter((entry) => entry !== undefined);
  const postmaster = processes.find((entry) => entry.cmdline.includes(envDir) && /postgres\0/.test(entry.cmdline));
  return postmaster ? [postmaster.pid, ...processes.filter((entry) => entry.ppid === postmaster.pid).map((entry) => entry.pid)] : [];
}

/** CPU the API process and the environment's PostgreSQL have used so far, in seconds. */
export function cpuUsed(api: RunningApi, envDir: string): { api: number; postgres: number } {
  return {
    api: api.child.pid ? cpuSeconds(api.child.pid) : 0,
    postgres: postgresPids(envDir).reduce((sum, pid) => sum + cpuSeconds(pid), 0),
  };
}

export interface LoadResult {
  mode: string;
  requestsPerSecond: number;
  /** CPU per request answered, in ms: the API process's, and PostgreSQL's (server and backends); when measured. */
  cpuMsPerRequest?: { api: number; postgres: number };
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

export interface LoadSettings {
  connections: number;
  durationSeconds: number;
  /** Requests per second in all; as fast as it goes without. */
  overallRate?: number;
  /** The server's name in the result's mode (default `bulkhead api`). */
  server?: string;
  /** The environment's directory: with it, the CPU the API and PostgreSQL spent per request is measured. */
  envDir?: string;
}

/**
 * GETs each of `names` in turn with autocannon for `durationSeconds`: at `overallRate` requests/s
 * in all, or as fast as it goes without one.
 */
export async function load(api: RunningApi, names: string[], settings: LoadSettings): Promise<LoadResult> {
  const { connections, durationSeconds, overallRate, server = 'bulkhead api' } = settings;
  let next = 0;
  const cpuBefore = settings.envDir ? cpuUsed(api, settings.envDir) : undefined;
  const result = await autocannon({
    url: api.url,
    connections,
    duration: durationSeconds,
    ...(overallRate ? { overallRate } : {}),
    headers: { authorization: `Bearer ${api.token}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/v1/tenants/${names[next++ % names.length]}` }) }],
  });
  const cpuAfter = settings.envDir ? cpuUsed(api, settings.envDir) : undefined;
  const perRequest = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, result.requests.total)) / 1000;
  return {
    mode: `${server}: ${overallRate ? `fixed ${overallRate}/s` : 'as fast as it goes'}`,
    requestsPerSecond: Math.round(result.requests.average),
    ...(cpuBefore && cpuAfter
      ? { cpuMsPerRequest: { api: perRequest(cpuAfter.api - cpuBefore.api), postgres: perRequest(cpuAfter.postgres - cpuBefore.postgres) } }
      : {}),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
