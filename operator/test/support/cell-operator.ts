/**
 * A Bulkhead operator in a cell (testenv's startCellControlPlane with `workloads` and
 * `databaseServer`): the chart's identities, the Secrets its configuration names and the example
 * plans applied in the cell, then `bulkhead operator` running there as the chart's operator
 * ServiceAccount (a token from the cell's own TokenRequest API), configured with the cell's one
 * region only: its database server is the cell's PostgreSQL, its keys go to that region of the KMS
 * emulator. Nothing of the environment's cluster or PostgreSQL is in its configuration.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { testEnvironment, type CellControlPlane } from '@bulkhead/testenv';
import { repoRoot } from './cluster.js';
import { chartNamespace, chartValuesFor, identityTemplates, operatorServiceAccount, renderChart } from './operator-identity.js';
import { operatorConfig, spawnOperator, testAccountId, type OperatorProcess } from './operator-process.js';

function kubectl(cell: CellControlPlane, args: string[], input?: string): string {
  return execFileSync(cell.kubectl, ['--kubeconfig', cell.kubeconfig, ...args], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

const apply = (cell: CellControlPlane, objects: object[]): string =>
  kubectl(cell, ['apply', '--server-side', '--force-conflicts', '-f', '-'], objects.map((o) => stringify(o)).join('---\n'));

/** The operator's settings for `region` alone, on the cell's PostgreSQL and the emulator's region. */
export function cellRegions(cell: CellControlPlane, region: string): Record<string, unknown> {
  if (!cell.postgres) throw new Error(`cell ${cell.name} was started without a database server`);
  return {
    [region]: {
      database: { host: cell.postgres.host, port: cell.postgres.port, adminSecret: { namespace: chartNamespace, name: 'postgres-admin' } },
      kms: {
        accountId: testAccountId,
        endpoint: testEnvironment().kms.endpoint,
        credentialsSecret: { namespace: chartNamespace, name: 'kms-credentials' },
      },
    },
  };
}

/** A kubeconfig holding only a token of the operator's ServiceAccount in the cell. */
function operatorTokenKubeconfig(cell: CellControlPlane): string {
  const token = kubectl(cell, ['create', 'token', operatorServiceAccount, '-n', chartNamespace, '--duration=2h']).trim();
  const admin = parse(readFileSync(cell.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const cluster = admin.clusters[0]?.cluster ?? {};
  const user = `system:serviceaccount:${chartNamespace}:${operatorServiceAccount}`;
  const dir = join(testEnvironment().dir, 'run', 'cells', cell.name);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'operator.kubeconfig');
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cell.name, cluster: { server: cluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] } },
    ],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: cell.name, context: { cluster: cell.name, user } }],
    'current-context': cell.name,
  };
  writeFileSync(path, stringify(config), { mode: 0o600 });
  return path;
}

/** Installs what the operator needs in the cell and starts it there, serving `region` only. */
export function startCellOperator(cell: CellControlPlane, region: string): OperatorProcess {
  const postgres = cell.postgres;
  if (!postgres) throw new Error(`cell ${cell.name} was started without a database server`);
  const regions = cellRegions(cell, region);
  const secret = (name: string, stringData: Record<string, string>) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { namespace: chartNamespace, name },
    stringData,
  });
  apply(cell, [{ apiVersion: 'v1', kind: 'Namespace', metadata: { name: chartNamespace } }]);
  apply(cell, [
    secret('postgres-admin', { username: postgres.user, password: postgres.password }),
    secret('kms-credentials', { accessKeyId: 'testing', secretAccessKey: 'testing' }),
  ]);
  kubectl(cell, ['apply', '--server-side', '--force-conflicts', '-f', '-'], renderChart(chartValuesFor({ regions }), identityTemplates));
  kubectl(cell, ['apply', '--server-side', '-f', join(repoRoot, 'crds/examples/plans')]);
  const snapshotDir = join(testEnvironment().dir, 'run', 'cells', cell.name, 'snapshots');
  const config = operatorConfig({ regions, database: { snapshotDir } });
  return spawnOperator({ config, kubeconfig: operatorTokenKubeconfig(cell) });
}
