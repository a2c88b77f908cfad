/**
 * The Pulumi program that installs Bulkhead into a cluster: the namespace, the CRDs, one Secret
 * per region with its logins, the API's audit trail Secret, and the operator chart with values
 * from stack config. README.md lists the config keys; Pulumi.local.yaml is an example stack for
 * the local control plane.
 */
import * as pulumi from '@pulumi/pulumi';
import { createOperatorRelease } from './chart.js';
import { loadStackConfig } from './config.js';
import { createCrds } from './crds.js';
import { createNamespace } from './namespace.js';
import { createClusterProvider } from './provider.js';
import { createAuditTrailSecret, createRegionSecrets } from './secrets.js';
import { chartValues } from './values.js';

// Everything is validated before the first resource is declared: bad config changes nothing.
const config = loadStackConfig(new pulumi.Config());
const values = chartValues(config);

const provider = createClusterProvider(config);
const namespaceResource = createNamespace(config, provider);
const crds = createCrds(provider);
const secrets = createRegionSecrets(config, namespaceResource, provider);
const auditTrailSecret = createAuditTrailSecret(config, namespaceResource, provider);
const dependsOn = crds.definitions.apply((definitions) => [namespaceResource, ...definitions, ...secrets, ...auditTrailSecret]);
const release = createOperatorRelease({ config, values, namespace: namespaceResource, dependsOn }, provider);

export const namespace = namespaceResource.metadata.name;
export const releaseName = release.name;
export const releaseStatus = release.status.status;
export const regionSecrets = pulumi.all(secrets.map((secret) => secret.metadata.name));
export const crdNames = crds.definitions.apply((definitions) => pulumi.all(definitions.map((definition) => definition.metadata.name))).apply((names) => [...names].sort());
