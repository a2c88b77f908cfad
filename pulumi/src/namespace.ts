/**
 * The namespace Bulkhead runs in, held to the Pod Security `restricted` standard (enforce, audit
 * and warn), each pinned to a version so a cluster upgrade cannot loosen or tighten it silently.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.js';

/** The Pod Security labels of a namespace held to `restricted` at `version`. */
export function podSecurityLabels(version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = 'restricted';
    labels[`pod-security.kubernetes.io/${mode}-version`] = version;
  }
  return labels;
}

export function createNamespace(config: StackConfig, provider: pulumi.ProviderResource): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    'namespace',
    {
      metadata: {
        name: config.namespace,
        labels: {
          'app.kubernetes.io/part-of': 'bulkhead',
          'app.kubernetes.io/managed-by': 'pulumi',
          ...podSecurityLabels(config.podSecurityVersion),
        },
      },
    },
    { provider },
  );
}
