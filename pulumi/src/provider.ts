/**
 * The one Kubernetes provider every resource uses: the cluster comes from the stack's
 * `kubeconfig` (and `context`), never from $KUBECONFIG or ~/.kube/config, so a preview cannot land
 * on whatever cluster the shell happens to point at.
 */
import * as k8s from '@pulumi/kubernetes';
import type { StackConfig } from './config.js';

export function createClusterProvider(config: StackConfig): k8s.Provider {
  return new k8s.Provider('cluster', {
    kubeconfig: config.kubeconfig,
    context: config.context,
    // A namespaced object declared without a namespace lands here, not in "default".
    namespace: config.namespace,
  });
}
