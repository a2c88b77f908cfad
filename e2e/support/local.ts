/**
 * Mocha root hooks for `make e2e`: when no platform is named by the environment (see
 * platform.ts), start one on this machine (hack/local-platform.ts) for the run, in a directory of
 * its own, and stop it afterwards. With BULKHEAD_API_URL set, the journeys run against that
 * platform instead and nothing is started.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalPlatform, type LocalPlatform } from '../../hack/local-platform.js';
import { repoRoot } from './platform.js';

let local: LocalPlatform | undefined;
const stateDir = join(repoRoot, '.bulkhead', 'e2e', String(process.pid));

/** The platform these hooks started on this machine; undefined when the journeys run against another (BULKHEAD_API_URL). */
export const localPlatform = (): LocalPlatform | undefined => local;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context): Promise<void> {
    if (process.env.BULKHEAD_API_URL) return;
    this.timeout(300_000);
    const started = Date.now();
    local = await startLocalPlatform({
      stateDir,
      audit: { initialDelaySeconds: 5, intervalSeconds: 60 },
      // A real node where this machine can run one (make test-e2e NODE=kwok or NODE=real to choose).
      node: process.env.BULKHEAD_NODE_REQUEST,
    });
    Object.assign(process.env, local.environmentVariables);
    console.log(`  local platform started in ${((Date.now() - started) / 1000).toFixed(1)}s (operator log: ${local.operatorLog})`);
  },
  async afterAll(this: Mocha.Context): Promise<void> {
    this.timeout(120_000);
    await local?.stop();
    // The images built for the run (about 280 MB each); the logs and state beside them stay for a look.
    rmSync(join(stateDir, 'image'), { recursive: true, force: true });
  },
};
