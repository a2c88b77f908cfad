/**
 * `make bench-api`: latency of the onboarding API's GET /v1/tenants/{name} under load, against the
 * real `bulkhead api` process in front of the real kube-apiserver (and its audit trail on the real
 * PostgreSQL). Two runs with autocannon: as fast as it goes (throughput), then at a fixed rate
 * (API_RATE, default 1000 requests/s) where the p99 is read. Then the same two runs against
 * bench/lib/cached-api.ts, a proposed change that answers the GET from a watch cache, to show
 * what it would buy (see docs/performance.md).
 *
 *   API_TENANTS=50 API_SECONDS=20 API_RATE=1000 API_CONNECTIONS=20 node --import tsx bench/api.ts
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import pg from 'pg';
import { KubeClient } from '../operator/src/kube/client.js';
import { repoRoot } from '../operator/test/support/cluster.js';
import type { Environment } from '../testenv/src/environment.js';
import { freePort } from '../testenv/src/processes.js';
import { withEnvironment } from './lib/environment.js';
import { runBench } from './lib/run-guard.js';
import { provenance, writeResult } from './lib/results.js';
import { table } from './lib/stats.js';
import { createTenants, tenantNames } from './lib/tenants.js';

const tenantCount = Number(process.env.API_TENANTS ?? 50);
const durationSeconds = Number(process.env.API_SECONDS ?? 20);
const rate = Number(process.env.API_RATE ?? 1000);
const connections = Number(process.env.API_CONNECTIONS ?? 20);
const bulkhead = join(repoRoot, 'operator/bin/bulkhead.js');

interface RunningApi {
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

async function waitHealthy(child: ChildProcess, url: string, token: string, log: string): Promise<RunningApi> {
  for (let i = 0; i < 150; i++) {
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
async function startCachedApi(env: Environment): Promise<RunningApi> {
  const token = mintToken(env, 'bench-cached');
  const port = await freePort();
  const log = join(env.dir, 'run', 'logs', 'cached-api.log');
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'bench/lib/cached-api.ts')], {
    env: { ...process.env, KUBECONFIG: env.kubeconfig, PORT: String(port) },
    stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')],
  });
  return waitHealthy(child, `http://127.0.0.1:${port}`, token, log);
}

async function startApi(env: Environment): Promise<RunningApi> {
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

interface LoadResult {
  mode: string;
  requestsPerSecond: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
  non2xx: number;
  errors: number;
}

async function load(api: RunningApi, names: string[], overallRate?: number, server = 'bulkhead api'): Promise<LoadResult> {
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

async function main(): Promise<void> {
  const { results, origin } = await withEnvironment('api', async (env) => {
    const client = KubeClient.load(env.kubeconfig);
    const names = tenantNames('api', tenantCount);
    await createTenants(client, names);
    client.close();
    const outcomes: LoadResult[] = [];
    for (const [server, start] of [
      ['bulkhead api', startApi],
      ['proposal: GET from a watch cache', startCachedApi],
    ] as const) {
      const api = await start(env);
      try {
        await load(api, names, 200); // warm-up
        outcomes.push(await load(api, names, undefined, server), await load(api, names, rate, server));
      } finally {
        api.child.kill('SIGTERM');
      }
    }
    return { results: outcomes, origin: provenance(env) };
  });
  console.log(`\nGET /v1/tenants/{name}, ${connections} connections, ${durationSeconds} s each, ${tenantCount} tenants\n`);
  console.log(
    table(
      ['load', 'requests/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors'],
      results.map((r) => [
        r.mode,
        r.requestsPerSecond,
        r.latencyMs.p50,
        r.latencyMs.p90,
        r.latencyMs.p99,
        r.latencyMs.max,
        r.non2xx,
        r.errors,
      ]),
    ),
  );
  console.log(`\nwrote ${writeResult('api', { ...origin, settings: { tenantCount, durationSeconds, rate, connections }, results })}`);
}

await runBench(main);
