/**
 * The onboarding API under load, for bench/api.ts and bench/onboarding.ts: the real `bulkhead api`
 * process (or bench/lib/cached-api.ts, the proposal) in front of the environment's kube-apiserver,
 * its audit trail on the environment's PostgreSQL, and autocannon sending GET /v1/tenants/{name}.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
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
  const child = spawn(process.execPath, [bulkhead, 'api'], {
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

export interface LoadResult {
  mode: string;
  requestsPerSecond: number;
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
}

/**
 * GETs each of `names` in turn with autocannon for `durationSeconds`: at `overallRate` requests/s
 * in all, or as fast as it goes without one.
 */
export async function load(api: RunningApi, names: string[], settings: LoadSettings): Promise<LoadResult> {
  const { connections, durationSeconds, overallRate, server = 'bulkhead api' } = settings;
  let next = 0;
  const result = await autocannon({
    url: api.url,
    connections,
    duration: durationSeconds,
    ...(overallRate ? { overallRate } : {}),
    headers: { authorization: `Bearer ${api.token}` },
    requests: [{ method: 'GET', setupRequest: (request) => ({ ...request, path: `/v1/tenants/${names[next++ % names.length]}` }) }],
  });
  return {
    mode: `${server}: ${overallRate ? `fixed ${overallRate}/s` : 'as fast as it goes'}`,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: { p50: result.latency.p50, p90: result.latency.p90, p99: result.latency.p99, max: result.latency.max },
    non2xx: result.non2xx,
    errors: result.errors,
  };
}
