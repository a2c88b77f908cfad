/**
 * Mocha global fixtures for the integration suites: start the whole environment once per test
 * run and stop it afterwards. With BULKHEAD_REUSE_ENVIRONMENT=1 the suites run against the
 * environment `make cluster-up` left running (a fast inner loop) and leave it running.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, readEnvironment, startEnvironment, stopEnvironment, type Environment } from './environment.js';
import { stateDir } from './paths.js';
import { isAlive } from './processes.js';

let started: Environment | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.BULKHEAD_REUSE_ENVIRONMENT === '1') {
    const running = readEnvironment(stateDir);
    if (!running || !isRunning(running)) throw new Error('BULKHEAD_REUSE_ENVIRONMENT=1 but no environment is running: run `make cluster-up`');
    process.env.BULKHEAD_TEST_ENVIRONMENT = running.dir;
    return;
  }
  const startedAt = Date.now();
  // One directory per run, so that concurrent runs (two terminals, two agents) never share servers.
  await removeStaleRuns(join(stateDir, 'test'));
  started = await startEnvironment(join(stateDir, 'test', String(process.pid)));
  process.env.BULKHEAD_TEST_ENVIRONMENT = started.dir;
  console.log(`  test environment started in ${((Date.now() - startedAt) / 1000).toFixed(1)}s (logs: ${started.dir}/run/logs)`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (started) await stopEnvironment(started);
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
