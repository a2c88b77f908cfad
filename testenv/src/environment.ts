/**
 * The whole test environment: the control plane, PostgreSQL, the KMS emulator and helm, started
 * together and described by an environment.json that later commands and tests read.
 * `make cluster-up` and the test runs use this same module. The node is KWOK's fake one unless
 * `{ node: 'real' }` asks for a real one (node/node.ts); then PostgreSQL and the KMS emulator
 * listen in the platform network namespace, where pods reach them.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBinaries, type Binaries } from './binaries.js';
import { allStarted, startControlPlane, type ControlPlane } from './control-plane.js';
import { startKmsEmulator, type KmsEmulator } from './kms.js';
import { kwokNetwork, realNodeNetwork, type EnvironmentNetwork, type NodeKind } from './network.js';
import { hostAddress, names, platformAddress, testRange } from './node/addresses.js';
import { makeNodeNetwork, prepareRealNode, startRealNode } from './node/node.js';
import { realNodeSupport } from './node/support.js';
import { nodeProcessNames, removeNodeLeftovers, stopNodeProcesses, type RealNodeState } from './node/teardown.js';
import { startPostgres, type ListenAt, type PostgresServer } from './postgres.js';
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
  /** Addresses and ranges: what tenants' egress must exclude, where the node and platform are. */
  network: EnvironmentNetwork;
  /** With a real node: what teardown needs to take it apart. */
  realNode?: RealNodeState;
}

export interface EnvironmentOptions {
  /** 'kwok' (default): a fake node, pods look Running. 'real': containerd, kubelet, real pods. */
  node?: NodeKind;
  /**
   * The list every server joins as soon as it is spawned (default a new one): a caller that must
   * exit before startEnvironment returns (a bench's second Ctrl-C) stops these with stopProcesses.
   */
  processes?: ManagedProcess[];
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

interface Started {
  controlPlane: ControlPlane;
  postgres: PostgresServer;
  kms: KmsEmulator;
}

/** The control plane takes longest; PostgreSQL and the emulator start meanwhile. */
async function startServers(bin: Binaries, dir: string, node: NodeKind, processes: ManagedProcess[]): Promise<Started> {
  const run = join(dir, 'run');
  const apiServerAddress = node === 'real' ? hostAddress : '127.0.0.1';
  const platform: ListenAt | undefined =
    node === 'real' ? { host: platformAddress, netns: names.platformNetns, clientCIDR: testRange } : undefined;
  // Every process joins `processes` as it is spawned, so a failed or interrupted start stops them all.
  const [controlPlane, postgres, kms] = (await allStarted<unknown>([
    startControlPlane(bin, run, join(dir, 'kubeconfig'), { node, apiServerAddress, processes }),
    startPostgres(join(run, 'postgres'), processes, platform),
    startKmsEmulator(join(run, 'logs'), processes, platform),
  ])) as [ControlPlane, PostgresServer, KmsEmulator];
  return { controlPlane, postgres, kms };
}

function realNodeUnsupported(node: NodeKind): Error | undefined {
  if (node !== 'real') return undefined;
  const support = realNodeSupport();
  return support.ok ? undefined : new Error(`cannot run a real node here: ${support.reason}`);
}

/** Stops what an earlier start in `dir` left running and empties its run/ (logs/ recreated). */
async function clearPrevious(dir: string): Promise<void> {
  const previous = readEnvironment(dir);
  if (previous) await stopEnvironment(previous);
  const run = join(dir, 'run');
  rmSync(run, { recursive: true, force: true });
  mkdirSync(join(run, 'logs'), { recursive: true });
}

export async function startEnvironment(dir: string, options: EnvironmentOptions = {}): Promise<Environment> {
  const node = options.node ?? 'kwok';
  const unsupported = realNodeUnsupported(node);
  if (unsupported) throw unsupported;
  await clearPrevious(dir);
  const bin = findBinaries();
  const processes: ManagedProcess[] = options.processes ?? [];
  const realNode = node === 'real' ? await prepareRealNode(dir, bin) : undefined;
  try {
    if (realNode) makeNodeNetwork(realNode);
    const { controlPlane, postgres, kms } = await startServers(bin, dir, node, processes);
    const env: Environment = {
      dir,
      kubeconfig: controlPlane.kubeconfig,
      server: controlPlane.server,
      postgres,
      kms,
      helm: bin.helm,
      kubectl: bin.kubectl,
      processes,
      network: realNode ? realNodeNetwork() : kwokNetwork(),
      realNode,
    };
    // Written before the node starts, so that a failed start can still be stopped by cluster-down.
    writeFileSync(fileOf(dir), JSON.stringify(env, null, 2), { mode: 0o600 });
    if (realNode) {
      await startRealNode({
        state: realNode,
        bin,
        certs: controlPlane.certificates,
        server: controlPlane.server,
        apiServerPort: Number(new URL(controlPlane.server).port),
        adminKubeconfig: controlPlane.kubeconfig,
        processes,
      });
      writeFileSync(fileOf(dir), JSON.stringify(env, null, 2), { mode: 0o600 });
    }
    return env;
  } catch (error) {
    await stopAll(processes, realNode);
    rmSync(fileOf(dir), { force: true });
    throw error;
  }
}

/**
 * Stops processes of a start that has not returned (kwok only; a real node needs stopEnvironment),
 * newest first, until none in the list is alive: the start goes on meanwhile and may add more.
 */
export async function stopProcesses(processes: readonly ManagedProcess[]): Promise<void> {
  for (let alive = [...processes]; alive.length > 0; alive = processes.filter((proc) => isAlive(proc.pid))) {
    for (const proc of alive.reverse()) await stopProcess(proc);
  }
}

async function stopAll(processes: ManagedProcess[], realNode: RealNodeState | undefined): Promise<void> {
  if (realNode) await stopNodeProcesses(realNode, processes);
  // Reverse order: clients of the API server first, etcd last.
  for (const proc of [...processes].reverse()) if (!nodeProcessNames.includes(proc.name)) await stopProcess(proc);
  if (realNode) await removeNodeLeftovers(realNode);
}

/** Stops every process the environment started and removes its data, keeping the logs. */
export async function stopEnvironment(env: Environment): Promise<void> {
  await stopAll(env.processes, env.realNode);
  const run = join(env.dir, 'run');
  for (const sub of ['etcd', 'postgres', 'pki']) rmSync(join(run, sub), { recursive: true, force: true });
  rmSync(fileOf(env.dir), { force: true });
  rmSync(env.kubeconfig, { force: true });
}
