/**
 * Mocha global fixtures for the integration suites: start the whole environment once per test
 * run and stop it afterwards. With BULKHEAD_REUSE_ENVIRONMENT=1 the suites run against the
 * environment `make cluster-up` left running (a fast inner loop) and leave it running.
 * BULKHEAD_NODE=real starts it with a real node (make test-node); the machine's state before
 * the node is kept in host-before.json, for the spec that checks cluster-down leaves nothing.
 */
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, readEnvironment, startEnvironment, stopEnvironment, type Environment } from './environment.js';
import type { NodeKind } from './network.js';
import { captureHostState } from './node/host-state.js';
import { stateDir } from './paths.js';
import { isAlive } from './processes.js';

/** The file, in the environment's directory, holding the machine's state before a real node started. */
export const hostBeforeFile = 'host-before.json';

let started: Environment | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.BULKHEAD_REUSE_ENVIRONMENT === '1') {
    const running = readEnvironment(stateDir);
    if (!running || !isRunning(running))
      throw new Error('BULKHEAD_REUSE_ENVIRONMENT=1 but no environment is running: run `make cluster-up`');
    process.env.BULKHEAD_TEST_ENVIRONMENT = running.dir;
    return;
  }
  const startedAt = Date.now();
  // One directory per run, so that concurrent runs (two terminals, two agents) never share servers.
  await removeStaleRuns(join(stateDir, 'test'));
  const dir = join(stateDir, 'test', String(process.pid));
  const node: NodeKind = process.env.BULKHEAD_NODE === 'real' ? 'real' : 'kwok';
  if (node === 'real') {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, hostBeforeFile), JSON.stringify(captureHostState()));
  }
  started = await startEnvironment(dir, { node });
  process.env.BULKHEAD_TEST_ENVIRONMENT = started.dir;
  console.log(`  test environment started in ${((Date.now() - startedAt) / 1000).toFixed(1)}s (logs: ${started.dir}/run/logs)`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  // The file, not the object started with: a spec that restarted a component (faults.ts) recorded its new pid there.
  if (started) await stopEnvironment(readEnvironment(started.dir) ?? started);
}

/** Stops and removes the environments of earlier runs whose mocha process is gone (e.g. killed). */
async function removeStaleRuns(root: string): Promise<void> {
  if (!existsSync(root)) return;
  for (const entry of readdirSync(root)) {
    if (isAlive(Number(entry))) continue;
    const stale = readEnvironment(join(root, entry));
    if (stale) await stopEnvironment(stale);
    rmSync(join(root, entry), { recursive: true, force: true });
  }
}
