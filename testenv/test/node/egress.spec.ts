/**
 * Where pod traffic may go: the environment's "external" hosts answer a pod when no policy stands
 * in the way, and traffic to an address the environment did not make (inside the unused part of
 * 198.18.0.0/15; nothing real is ever dialled) is dropped by the node's egress guard, whose
 * counter shows the drop.
 */
import assert from 'node:assert/strict';
import { egressGuardDrops } from '../../src/node/egress-guard.js';
import { unusedAddress } from '../../src/node/addresses.js';
import { deleteNamespace, httpGet, realNodeCluster, restrictedNamespace, runProbe, tcpConnect, type Cluster } from './support.js';

describe('egress from the real node', function () {
  const namespace = `egress-${Date.now().toString(36)}`;
  const from = { namespace, pod: 'client' };
  let cluster: Cluster;

  before(async function () {
    cluster = realNodeCluster();
    await restrictedNamespace(cluster, namespace);
    await runProbe(cluster, namespace, 'client');
  });

  after(async function () {
    await deleteNamespace(cluster, namespace);
  });

  it('reaches each external host the environment made', function () {
    assert.equal(cluster.env.network.externalHosts.length, 2);
    for (const host of cluster.env.network.externalHosts) {
      assert.equal(httpGet(cluster.env, from, host.address, host.port).output, host.name);
    }
  });

  it('drops pod traffic to an address outside the environment at the node', function () {
    const before = egressGuardDrops();
    const attempt = tcpConnect(cluster.env, from, unusedAddress, 80);
    assert.notEqual(attempt.code, 0, `connected to ${unusedAddress}: ${attempt.output}`);
    assert.ok(egressGuardDrops() > before, 'the egress guard dropped nothing: the packet went somewhere else');
  });
});
