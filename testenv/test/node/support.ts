/**
 * Helpers for the real-node specs: the cluster and namespaces under Pod Security `restricted`; the
 * probe pods and the connections tried from inside them live in src/node/probe-pods.ts.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { testEnvironment, type Environment } from '../../src/index.js';

export { probeImage, probePort } from '../../src/node/probe-pods.js';

export interface Cluster {
  env: Environment;
  core: k8s.CoreV1Api;
  networking: k8s.NetworkingV1Api;
}

export function realNodeCluster(): Cluster {
  const env = testEnvironment();
  assert.equal(env.network.node, 'real', 'these specs need a real node: run them with make test-node');
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(env.kubeconfig);
  return { env, core: kc.makeApiClient(k8s.CoreV1Api), networking: kc.makeApiClient(k8s.NetworkingV1Api) };
}

export async function restrictedNamespace(cluster: Cluster, name: string): Promise<void> {
  const labels = { 'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/enforce-version': 'latest' };
  await cluster.core.createNamespace({ body: { metadata: { name, labels } } });
}

export async function deleteNamespace(cluster: Cluster, name: string): Promise<void> {
  await cluster.core.deleteNamespace({ name, gracePeriodSeconds: 0 }).catch(() => undefined);
}

export { execIn, httpGet, runProbe, serviceProgrammed, tcpConnect, type ExecResult } from '../../src/node/probe-pods.js';
