/**
 * cluster-down leaves nothing of the real node on the machine: no network namespace, link,
 * address, route, iptables rule or chain, ipset, mount, cgroup, kernel setting or lock that was
 * not there before the node started. This spec stops the test run's environment itself (the same
 * stopEnvironment that `make cluster-down` calls), so it runs last.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { stopEnvironment } from '../../src/environment.js';
import { hostBeforeFile } from '../../src/mocha-global.js';
import { captureHostState, hostStateDifferences, type HostState } from '../../src/node/host-state.js';
import { realNodeCluster } from './support.js';

describe('cluster-down with a real node', function () {
  it('leaves no netns, link, route, iptables rule, ipset, mount, cgroup or kernel setting behind', async function () {
    if (process.env.BULKHEAD_REUSE_ENVIRONMENT === '1') this.skip(); // it would stop the environment you are reusing
    const { env } = realNodeCluster();
    const before = JSON.parse(readFileSync(join(env.dir, hostBeforeFile), 'utf8')) as HostState;
    const during = captureHostState();
    // The comparison can see the node: while it runs, its namespaces and host link are there.
    assert.ok(during.netns?.includes('bulkhead-node') && during.links?.includes('bulkhead0'), 'the node is not running');
    await stopEnvironment(env);
    assert.deepEqual(hostStateDifferences(before, captureHostState()), []);
  });
});
