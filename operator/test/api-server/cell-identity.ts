/**
 * The onboarding API's identity in a cell, for the cells specs: the chart's cellApi ServiceAccount
 * and ClusterRole installed in the cell, and a kubeconfig holding only a token of it, as docs/cells.md
 * tells an operator to make one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { cellApiServiceAccount, chartNamespace, renderChart } from '../support/operator-identity.js';

export const cellValues = { cellApi: { enabled: true } };

/** A cluster the specs reach as admin: a cell control plane, or the environment's own cluster. */
export interface CellTarget {
  name: string;
  kubeconfig: string;
  kubectl: string;
}

export function kubectl(cell: CellTarget, args: string[], input?: string): string {
  return execFileSync(cell.kubectl, ['--kubeconfig', cell.kubeconfig, ...args], {
    input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Installs the chart's cell identity in `cell` and returns a kubeconfig holding only that identity's token. */
export function cellIdentityKubeconfig(cell: CellTarget): string {
  kubectl(
    cell,
    ['apply', '--server-side', '-f', '-'],
    stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: chartNamespace } }),
  );
  kubectl(cell, ['apply', '--server-side', '-f', '-'], renderChart(cellValues, ['cell-api-rbac.yaml']));
  const token = kubectl(cell, ['create', 'token', cellApiServiceAccount, '-n', chartNamespace, '--duration=2h']).trim();
  const admin = parse(readFileSync(cell.kubeconfig, 'utf8')) as { clusters: { cluster: Record<string, string> }[] };
  const cluster = admin.clusters[0]?.cluster ?? {};
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      { name: cell.name, cluster: { server: cluster.server, 'certificate-authority-data': cluster['certificate-authority-data'] } },
    ],
    users: [{ name: cellApiServiceAccount, user: { token } }],
    contexts: [{ name: cell.name, context: { cluster: cell.name, user: cellApiServiceAccount } }],
    'current-context': cell.name,
  });
}
