/**
 * One real node per machine: while the test run's node holds the lock, starting a second
 * environment with a real node fails at once, naming the environment that holds it, and leaves
 * the running node alone.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, startEnvironment } from '../../src/environment.js';
import { realNodeSupport } from '../../src/index.js';
import { readLockHolder } from '../../src/node/lock.js';
import { realNodeCluster, type Cluster } from './support.js';

describe('the real node lock', function () {
  let cluster: Cluster;
  let other: string;

  before(function () {
    cluster = realNodeCluster();
    other = mkdtempSync(join(tmpdir(), 'second-node-'));
  });

  after(function () {
    rmSync(other, { recursive: true, force: true });
  });

  it('says this machine can run a real node', function () {
    assert.deepEqual(realNodeSupport(), { ok: true });
  });

  it('refuses a second real node, naming the environment that holds the lock', async function () {
    assert.equal(readLockHolder()?.dir, cluster.env.dir);
    await assert.rejects(startEnvironment(other, { node: 'real' }), (error: Error) => {
      assert.match(error.message, /a real node is already running on this machine/);
      assert.ok(error.message.includes(cluster.env.dir), error.message);
      return true;
    });
    assert.equal(readLockHolder()?.dir, cluster.env.dir);
  });

  it('leaves the running node alone: its servers run and the node stays Ready', async function () {
    assert.ok(isRunning(cluster.env), 'a server of the running environment stopped');
    const node = await cluster.core.readNode({ name: 'bulkhead-node' });
    assert.equal(node.status?.conditions?.find((c) => c.type === 'Ready')?.status, 'True');
  });
});
