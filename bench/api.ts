/**
 * `make bench-api`: latency of the onboarding API's GET /v1/tenants/{name} under load, against the
 * real `bulkhead api` process in front of the real kube-apiserver (and its audit trail on the real
 * PostgreSQL). Two runs with autocannon: as fast as it goes (throughput), then at a fixed rate
 * (API_RATE, default 1000 requests/s) where the p99 is read. Then the same two runs against
 * bench/lib/cached-api.ts, a proposed change that answers the GET from a watch cache, to show
 * what it would buy (see docs/performance.md).
 *
 *   API_TENANTS=50 API_SECONDS=20 API_RATE=1000 API_CONNECTIONS=20 node --import tsx bench/api.ts
 *
 * API_ONLY=1 leaves out the prototype; API_CPU_PROFILE_DIR=<dir> has the API write a CPU profile there.
 */
import { KubeClient } from '../operator/src/kube/client.js';
import { load, startApi, startCachedApi, type LoadResult } from './lib/api-load.js';
import { withEnvironment } from './lib/environment.js';
import { benchRun, runBench } from './lib/run-guard.js';
import { provenance, writeResult } from './lib/results.js';
import { table } from './lib/stats.js';
import { createTenants, tenantNames } from './lib/tenants.js';

const tenantCount = Number(process.env.API_TENANTS ?? 50);
const durationSeconds = Number(process.env.API_SECONDS ?? 20);
const rate = Number(process.env.API_RATE ?? 1000);
const connections = Number(process.env.API_CONNECTIONS ?? 20);
const settings = { connections, durationSeconds };

async function main(): Promise<void> {
  const { results, origin } = await withEnvironment('api', async (env) => {
    const client = KubeClient.load(env.kubeconfig);
    const names = tenantNames('api', tenantCount);
    await createTenants(client, names);
    client.close();
    const outcomes: LoadResult[] = [];
    const servers = [
      ['bulkhead api', startApi],
      ['proposal: GET from a watch cache', startCachedApi],
    ] as const;
    // API_ONLY=1: the real API alone, without the earlier prototype beside it.
    for (const [server, start] of process.env.API_ONLY ? servers.slice(0, 1) : servers) {
      benchRun().enter(`loading ${server}`);
      const api = await start(env);
      try {
        await load(api, names, { ...settings, overallRate: 200 }); // warm-up
        const measured = { ...settings, server, envDir: env.dir };
        outcomes.push(await load(api, names, measured), await load(api, names, { ...measured, overallRate: rate }));
      } finally {
        api.child.kill('SIGTERM');
      }
    }
    return { results: outcomes, origin: provenance(env) };
  });
  console.log(`\nGET /v1/tenants/{name}, ${connections} connections, ${durationSeconds} s each, ${tenantCount} tenants\n`);
  console.log(
    table(
      ['load', 'requests/s', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'errors', 'CPU ms/request: API', 'PostgreSQL'],
      results.map((r) => [
        r.mode,
        r.requestsPerSecond,
        r.latencyMs.p50,
        r.latencyMs.p90,
        r.latencyMs.p99,
        r.latencyMs.max,
        r.non2xx,
        r.errors,
        r.cpuMsPerRequest?.api ?? '',
        r.cpuMsPerRequest?.postgres ?? '',
      ]),
    ),
  );
  console.log(`\nwrote ${writeResult('api', { ...origin, settings: { tenantCount, durationSeconds, rate, connections }, results })}`);
}

await runBench(main);
