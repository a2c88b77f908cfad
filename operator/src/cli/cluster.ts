/**
 * The cluster a command talks to: `--kubeconfig` (else $KUBECONFIG, else ~/.kube/config, else the
 * pod's ServiceAccount) and `--context`, read by the operator's own loader (kube/cluster-access.ts,
 * docs/decisions/0021). A kubeconfig that cannot be read or names no usable context is "cannot
 * reach the cluster" (exit 3), not a crash.
 */
import { KubeClient } from '../kube/client.js';
import type { RequestObserver } from '../kube/transport.js';
import { errorMessage, UnreachableError } from './exit-codes.js';

export interface ClusterOptions {
  kubeconfig?: string;
  context?: string;
}

export function connect(cluster: ClusterOptions, observe?: RequestObserver): KubeClient {
  try {
    return KubeClient.load(cluster.kubeconfig, observe, cluster.context);
  } catch (error) {
    throw new UnreachableError(errorMessage(error), { cause: error });
  }
}
