/**
 * The operator chart (charts/bulkhead from this checkout) as a Helm release in the stack's
 * namespace. It waits for the CRDs (the operator lists Tenants on start) and the region Secrets
 * (it reads them on its first reconcile). The chart's own crds/ are skipped: crds.ts owns them.
 */
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.js';
import { operatorChartDir } from './paths.js';

export interface ReleaseInputs {
  config: StackConfig;
  values: Record<string, unknown>;
  namespace: k8s.core.v1.Namespace;
  dependsOn: pulumi.Input<pulumi.Resource[]>;
}

export function createOperatorRelease(inputs: ReleaseInputs, provider: pulumi.ProviderResource): k8s.helm.v3.Release {
  const { config, values, namespace, dependsOn } = inputs;
  return new k8s.helm.v3.Release(
    'bulkhead',
    {
      name: config.releaseName,
      chart: operatorChartDir,
      namespace: namespace.metadata.name,
      createNamespace: false,
      skipCrds: true,
      values,
    },
    { provider, dependsOn },
  );
}
