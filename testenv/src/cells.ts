/**
 * A second Kubernetes control plane for the cells specs (docs/cells.md): its own etcd and
 * kube-apiserver on free ports of 127.0.0.1, with Bulkhead's CRDs installed, sharing nothing with
 * the test environment's cluster. No controllers, scheduler nor node: a cell spec needs a cluster
 * that stores Tenants and can be stopped, and two full control planes are too much for a small
 * machine. Started and stopped by the spec itself, in a directory under the environment's.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { findBinaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import { installCrds } from './crds.js';
import { stopProcess, type ManagedProcess } from './processes.js';

export interface CellControlPlane {
  name: string;
  server: string;
  /** An admin kubeconfig, certificates embedded. */
  kubeconfig: string;
  kubectl: string;
  /** Stops kube-apiserver only: the cell is then unreachable, as a cell whose API server is down. */
  stopApiServer(): Promise<void>;
  stop(): Promise<void>;
}

export async function startCellControlPlane(name: string, parentDir: string): Promise<CellControlPlane> {
  const bin = findBinaries();
  const dir = join(parentDir, 'run', 'cells', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const kubeconfig = join(dir, 'kubeconfig');
  let processes: ManagedProcess[] = [];
  const stopAll = async () => {
    for (const running of [...processes].reverse()) await stopProcess(running);
    processes = [];
  };
  try {
    const plane = await startControlPlane(bin, dir, kubeconfig, { node: 'kwok', apiServerAddress: '127.0.0.1', apiOnly: true });
    processes = plane.processes;
    await installCrds({ kubectl: bin.kubectl, kubeconfig });
    return {
      name,
      server: plane.server,
      kubeconfig,
      kubectl: bin.kubectl,
      stopApiServer: async () => {
        const apiserver = processes.find((running) => running.name === 'kube-apiserver');
        if (apiserver) await stopProcess(apiserver);
        processes = processes.filter((running) => running !== apiserver);
      },
      stop: stopAll,
    };
  } catch (error) {
    processes = (error as { processes?: ManagedProcess[] }).processes ?? processes;
    await stopAll();
    throw error;
  }
}
