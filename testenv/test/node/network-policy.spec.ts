/**
 * NetworkPolicies are enforced on the wire by kube-router's firewall: a default-deny in one
 * namespace makes a connection from another fail, and an allow rule for that namespace makes it
 * succeed again, so the refusal is the policy at work, not a dead network.
 */
import assert from 'node:assert/strict';
import type * as k8s from '@kubernetes/client-node';
import { eventually } from '../../src/index.js';
import { deleteNamespace, httpGet, realNodeCluster, restrictedNamespace, runProbe, type Cluster } from './support.js';

describe('NetworkPolicy on the real node', function () {
  const suffix = Date.now().toString(36);
  const [serverNs, clientNs] = [`policy-server-${suffix}`, `policy-client-${suffix}`];
  let cluster: Cluster;
  let server: k8s.V1Pod;
  const from = { namespace: clientNs, pod: 'client' };
  const reachable = (): boolean => httpGet(cluster.env, from, server.status?.podIP ?? '').output === 'probe';

  before(async function () {
    cluster = realNodeCluster();
    await Promise.all([restrictedNamespace(cluster, serverNs), restrictedNamespace(cluster, clientNs)]);
    [server] = await Promise.all([runProbe(cluster, serverNs, 'server'), runProbe(cluster, clientNs, 'client')]);
  });

  after(async function () {
    await Promise.all([deleteNamespace(cluster, serverNs), deleteNamespace(cluster, clientNs)]);
  });

  it('lets a pod of another namespace connect while no policy selects the server', function () {
    assert.ok(reachable(), 'no policy, yet the server cannot be reached');
  });

  it('refuses the connection once a default-deny ingress policy is in place', async function () {
    await cluster.networking.createNamespacedNetworkPolicy({
      namespace: serverNs,
      body: { metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    });
    await eventually('kube-router to enforce the default deny', () => !reachable(), 30_000);
    // And it stays refused: not a passing glitch.
    assert.equal(reachable(), false);
  });

  it('lets the connection through again when a policy allows that namespace', async function () {
    await cluster.networking.createNamespacedNetworkPolicy({
      namespace: serverNs,
      body: {
        metadata: { name: 'allow-client-namespace' },
        spec: {
          podSelector: { matchLabels: { app: 'server' } },
          policyTypes: ['Ingress'],
          // `_from`: the client's name for `from` (a reserved word), serialized as `from`.
          ingress: [{ _from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': clientNs } } }] }],
        },
      },
    });
    await eventually('kube-router to allow the client namespace', reachable, 30_000);
  });
});
