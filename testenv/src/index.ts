/**
 * @bulkhead/testenv: the real servers Bulkhead is tested against, started on 127.0.0.1.
 * Specs call testEnvironment() to reach the one the test run started.
 */
import { readEnvironment, type Environment } from './environment.js';

export type { Environment } from './environment.js';
export { pinnedVersions } from './versions.js';
export { issueUserKubeconfig } from './identities.js';

/** The environment started by the mocha global setup (or reused with BULKHEAD_REUSE_ENVIRONMENT=1). */
export function testEnvironment(): Environment {
  const dir = process.env.BULKHEAD_TEST_ENVIRONMENT;
  const env = dir ? readEnvironment(dir) : undefined;
  if (!env) throw new Error('no test environment: run the integration suites with .mocharc.integration.json');
  return env;
}
