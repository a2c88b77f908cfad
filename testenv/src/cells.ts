/**
 * More Kubernetes control planes for the cells specs (docs/cells.md): each its own etcd and
 * kube-apiserver on free ports of 127.0.0.1, with Bulkhead's CRDs installed, sharing nothing with
 * the test environment's cluster. Started and stopped by the spec itself, in a directory under the
 * environment's.
 *
 * By default no controllers, scheduler nor node: enough for a cell that stores Tenants and can be
 * stopped (cells.spec.ts). `workloads` adds what the environment's own cluster has, the controller
 * manager, the scheduler and a KWOK node, so that an operator in the cell sees its tenants' apps
 * roll out and namespaces finish deleting (cells-journey.spec.ts). `databaseServer` gives the cell
 * a PostgreSQL server of its own: the server of the cell's region, where its tenants' databases go.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findBinaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import { installCrds } from './crds.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { stopProcess, type ManagedProcess } from './processes.js';

export interface CellControlPlane {
  name: string;
  server: string;
  /** An admin kubeconfig, certificates embedded. */
  kubeconfig: string;
  kubectl: string;
  /** The cell's region's own PostgreSQL server, when asked for. */
  postgres?: PostgresServer;
  /** Stops kube-apiserver only: the cell is then unreachable, as a cell whose API server is down. */
  stopApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export interface CellOptions {
  /** kube-controller-manager, kube-scheduler and a KWOK node besides the API server. */
  workloads?: boolean;
  /** A PostgreSQL server of the cell's own. */
  databaseServer?: boolean;
}

async function settledAll<A, B>(promises: [Promise<A>, Promise<B>]): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled(promises);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

export async function startCellControlPlane(name: string, parentDir: string, options: CellOptions = {}): Promise<CellControlPlane> {
  const bin = findBinaries();
  const dir = join(parentDir, 'run', 'cells', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'logs'), { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  let processes: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const running of [...processes].reverse()) await stopProcess(running);
    processes = [];
  };
  try {
    // Both settle before anything is stopped, so a failure of one cannot leave the other's processes running.
    const [plane, postgres] = await settledAll([
      startControlPlane(bin, dir, kubeconfig, { node: 'kwok', apiServerAddress: '127.0.0.1', apiOnly: !options.workloads }).then(
        (started) => {
          processes.push(...started.processes);
          return started;
        },
        (error: unknown) => {
          processes.push(...((error as { processes?: ManagedProcess[] }).processes ?? []));
          throw error;
        },
      ),
      options.databaseServer ? startPostgres(join(dir, 'postgres'), processes) : Promise.resolve(undefined),
    ]);
    await installCrds({ kubectl: bin.kubectl, kubeconfig });
    return {
      name,
      server: plane.server,
      kubeconfig,
      kubectl: bin.kubectl,
      postgres,
      stopApiServer: async () => {
        const apiserver = processes.find((running) => running.name === 'kube-apiserver');
        if (apiserver) await stopProcess(apiserver);
        processes = processes.filter((running) => running !== apiserver);
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
