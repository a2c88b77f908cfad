/**
 * Probe pods on the real node and connections tried from inside them with `kubectl exec`, so a
 * check is a real packet between real network namespaces: a pod from bulkhead.dev/probe:local
 * (busybox; serves HTTP on 8080) that Pod Security `restricted` admits, and TCP, HTTP and DNS
 * attempts with short timeouts. Used by the node specs and the operator's on-the-wire specs.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type * as k8s from '@kubernetes/client-node';
import type { Environment } from '../environment.js';
import { eventually } from '../poll.js';
import { names } from './addresses.js';
import { probeImage } from './images/catalog.js';
import { inNetns } from './shell.js';

export { probeImage };
export const probePort = 8080;

/** A probe pod that satisfies Pod Security `restricted`, Running with an IP. */
export async function runProbe(
  cluster: { core: k8s.CoreV1Api },
  namespace: string,
  name: string,
  labels: Record<string, string> = {},
): Promise<k8s.V1Pod> {
  await cluster.core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name, labels: { app: name, ...labels } },
      spec: {
        securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
        terminationGracePeriodSeconds: 1,
        containers: [
          {
            name: 'probe',
            image: probeImage,
            imagePullPolicy: 'Never',
            ports: [{ containerPort: probePort }],
            securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } },
          },
        ],
      },
    },
  });
  return eventually(
    `pod ${namespace}/${name} to run`,
    async () => {
      const pod = await cluster.core.readNamespacedPod({ namespace, name });
      return pod.status?.phase === 'Running' && pod.status.podIP ? pod : undefined;
    },
    60_000,
  );
}

export interface ExecResult {
  code: number;
  output: string;
}

export function execIn(env: Environment, namespace: string, pod: string, command: string[]): ExecResult {
  // stdin is empty, so `nc` closes the connection as soon as it is open.
  const result = spawnSync(
    env.kubectl,
    ['--kubeconfig', env.kubeconfig, '--cache-dir', join(env.dir, 'kubectl-cache'), 'exec', '-n', namespace, pod, '--', ...command],
    { encoding: 'utf8', timeout: 30_000, input: '' },
  );
  return { code: result.status ?? -1, output: `${result.stdout}${result.stderr}`.trim() };
}

/**
 * GET http://<address>:<port>/ from inside the pod, giving up after 3 seconds. (Not `wget -T`:
 * Debian's busybox 1.35 wget crashes with it.)
 */
export function httpGet(env: Environment, from: { namespace: string; pod: string }, address: string, port = probePort): ExecResult {
  return execIn(env, from.namespace, from.pod, ['timeout', '3', 'wget', '-q', '-O', '-', `http://${address}:${port}/`]);
}

/** Opens a TCP connection from inside the pod and closes it at once; gives up after 3 seconds. */
export function tcpConnect(env: Environment, from: { namespace: string; pod: string }, address: string, port: number): ExecResult {
  return execIn(env, from.namespace, from.pod, ['nc', '-w', '3', address, String(port)]);
}

/**
 * Waits until kube-proxy has written the Service's rules with at least one endpoint, so a spec
 * tests the data path rather than kube-proxy's sync delay.
 */
export async function serviceProgrammed(namespace: string, service: string): Promise<void> {
  await eventually(
    `kube-proxy to program ${namespace}/${service}`,
    () => {
      const rules = inNetns(names.nodeNetns, 'iptables', ['-w', '-t', 'nat', '-S']);
      return rules.split('\n').some((rule) => rule.includes(`${namespace}/${service}`) && rule.includes('-j DNAT'));
    },
    30_000,
  );
}
