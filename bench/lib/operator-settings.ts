/**
 * The operator configuration the benchmarks use: the same one operator/test/support's
 * startOperator writes (both test regions on this environment's PostgreSQL and KMS emulator), so
 * the plain script and the operator do the same work against the same servers.
 */
import { join } from 'node:path';
import { parseOperatorConfig, type OperatorConfig } from '../../operator/src/api/operator-config.js';
import { testAccountId, testRegions } from '../../operator/test/support/operator-process.js';
import type { Environment } from '../../testenv/src/environment.js';
import { clusterRanges } from '../../testenv/src/network.js';

/** Region settings; `kmsEndpoint` replaces the emulator's address (e.g. with a fault proxy). */
export function regionSettings(env: Environment, kmsEndpoint = env.kms.endpoint): Record<string, unknown> {
  const region = {
    database: { host: env.postgres.host, port: env.postgres.port, adminSecret: { namespace: 'bulkhead-system', name: 'postgres-admin' } },
    kms: { accountId: testAccountId, endpoint: kmsEndpoint, credentialsSecret: { namespace: 'bulkhead-system', name: 'kms-credentials' } },
  };
  return Object.fromEntries(testRegions.map((name) => [name, region]));
}

export function benchOperatorConfig(env: Environment): OperatorConfig {
  return parseOperatorConfig({
    release: { helm: env.helm, chartRepository: join(env.dir, 'run', 'charts') },
    regions: regionSettings(env),
    database: { snapshotDir: join(env.dir, 'run', 'snapshots') },
    encryption: { pendingWindowDays: 7 },
    network: { clusterCIDRs: clusterRanges(env) },
  });
}
