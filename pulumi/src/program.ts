/**
 * The Pulumi program that installs Bulkhead into a cluster: the namespace, the CRDs, one Secret
 * per region with its logins, the API's audit trail Secret, the product chart repository (when
 * configured) and the operator chart with values from stack config. It is one function so that it
 * runs the same way as a project (`index.ts`, for `pulumi up` in this folder) and as an inline
 * program of the Automation API (`hack/pulumi/`, for `make pulumi-up`).
 */
import * as pulumi from '@pulumi/pulumi';
import { createOperatorRelease } from './chart.js';
import { createChartRepository } from './chart-repository.js';
import { loadStackConfig } from './config.js';
import { createCrds } from './crds.js';
import { createNamespace } from './namespace.js';
import { createClusterProvider } from './provider.js';
import { createAuditTrailSecret, createRegionSecrets } from './secrets.js';
import { chartValues } from './values.js';

export interface StackOutputs {
  namespace: pulumi.Output<string>;
  releaseName: pulumi.Output<string>;
  releaseStatus: pulumi.Output<string>;
  regionSecrets: pulumi.Output<string[]>;
  crdNames: pulumi.Output<string[]>;
}

export function bulkheadStack(): StackOutputs {
  // Everything is validated before the first resource is declared: bad config changes nothing.
  const config = loadStackConfig(new pulumi.Config());
  const values = chartValues(config);

  const provider = createClusterProvider(config);
  const namespace = createNamespace(config, provider);
  const crds = createCrds(provider);
  const secrets = createRegionSecrets(config, namespace, provider);
  const auditTrailSecret = createAuditTrailSecret(config, namespace, provider);
  const chartRepository = createChartRepository(config, namespace, provider);
  const dependsOn = crds.definitions.apply((definitions) => [
    namespace,
    ...definitions,
    ...secrets,
    ...auditTrailSecret,
    ...chartRepository,
  ]);
  const release = createOperatorRelease({ config, values, namespace, dependsOn }, provider);

  return {
    namespace: namespace.metadata.name,
    releaseName: release.name,
    releaseStatus: release.status.status,
    regionSecrets: pulumi.all(secrets.map((secret) => secret.metadata.name)),
    crdNames: crds.definitions
      .apply((definitions) => pulumi.all(definitions.map((definition) => definition.metadata.name)))
      .apply((names) => [...names].sort()),
  };
}
