/**
 * The whole test environment: the control plane, PostgreSQL, the KMS emulator and helm, started
 * together and described by an environment.json that later commands and tests read.
 * `make cluster-up` and the test runs use this same module.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinaries } from './binaries.js';
import { startControlPlane } from './control-plane.js';
import { startKmsEmulator, type KmsEmulator } from './kms.js';
import { startPostgres, type PostgresServer } from './postgres.js';
import { isAlive, stopProcess, type ManagedProcess } from './processes.js';

export interface Environment {
  /** Directory holding kubeconfig, environment.json and run/ (data, certificates, logs). */
  dir: string;
  kubeconfig: string;
  server: string;
  postgres: PostgresServer;
  kms: KmsEmulator;
  helm: string;
  kubectl: string;
  processes: ManagedProcess[];
}

const fileOf = (dir: string): string => join(dir, 'environment.json');

export function readEnvironment(dir: string): Environment | undefined {
  const file = fileOf(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as Environment;
}

export function isRunning(env: Environment): boolean {
  return env.processes.length > 0 && env.processes.every((p) => isAlive(p.pid));
}

export async function startEnvironment(dir: string): Promise<Environment> {
  const previous = readEnvironment(dir);
  if (previous) await stopEnvironment(previous);
  const run = join(dir, 'run');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(join(run, 'logs'), { recursive: true });
  const bin = findBinaries();
  const kubeconfig = join(dir, 'kubeconfig');
  const processes: ManagedProcess[] = [];
  try {
    // The control plane takes longest; PostgreSQL and the emulator start meanwhile.
    const [controlPlane, postgres, kms] = await Promise.all([
      startControlPlane(bin, run, kubeconfig).then((cp) => {
        processes.push(...cp.processes);
        return cp;
      }, (error: unknown) => {
        processes.push(...((error as { processes?: ManagedProcess[] }).processes ?? []));
        throw error;
      }),
      startPostgres(join(run, 'postgres'), processes),
      startKmsEmulator(join(run, 'logs'), processes),
    ]);
    const env: Environment = {
      dir,
      kubeconfig,
      server: controlPlane.server,
      postgres,
      kms,
      helm: bin.helm,
      kubectl: bin.kubectl,
      processes,
    };
    writeFileSync(fileOf(dir), JSON.stringify(env, null, 2), { mode: 0o600 });
    return env;
  } catch (error) {
    await Promise.all(processes.map((p) => stopProcess(p)));
    throw error;
  }
}

/** Stops every process the environment started and removes its data, keeping the logs. */
export async function stopEnvironment(env: Environment): Promise<void> {
  // Reverse order: clients of the API server first, etcd last.
  for (const proc of [...env.processes].reverse()) await stopProcess(proc);
  const run = join(env.dir, 'run');
  for (const sub of ['etcd', 'postgres', 'pki']) rmSync(join(run, sub), { recursive: true, force: true });
  rmSync(fileOf(env.dir), { force: true });
  rmSync(env.kubeconfig, { force: true });
}
