/**
 * The Secrets the chart's workloads read, written from secret stack config:
 * - one per region with the logins the operator needs there: the PostgreSQL admin (`username`,
 *   `password`) and, when set, static KMS credentials (`accessKeyId`, `secretAccessKey`). The
 *   operator config names it as both `adminSecret` and `credentialsSecret`, and the chart lets the
 *   operator read exactly these Secrets;
 * - the onboarding API's audit trail URL, under the name and key the chart's values give.
 * Every payload is a Pulumi secret: encrypted in state, masked in previews and diffs. (The
 * Kubernetes SDK marks Secret data secret too; saying it here keeps it so if that ever changes.)
 */
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { apiValues, type RegionConfig, type StackConfig } from './config.js';

export function regionSecretName(region: string): string {
  return `bulkhead-region-${region}`;
}

/** The keys the operator reads (operator/src/api/operator-config.ts). */
export function regionSecretData(region: RegionConfig): Record<string, string> {
  const data: Record<string, string> = { username: region.database.username, password: region.database.password };
  if (region.kms.accessKeyId !== undefined && region.kms.secretAccessKey !== undefined) {
    data['accessKeyId'] = region.kms.accessKeyId;
    data['secretAccessKey'] = region.kms.secretAccessKey;
  }
  return data;
}

const labels = (extra: Record<string, string>): Record<string, string> => ({
  'app.kubernetes.io/part-of': 'bulkhead',
  'app.kubernetes.io/managed-by': 'pulumi',
  ...extra,
});

export function createRegionSecrets(
  config: StackConfig,
  namespace: k8s.core.v1.Namespace,
  provider: pulumi.ProviderResource,
): k8s.core.v1.Secret[] {
  return Object.entries(config.regions).map(
    ([name, region]) =>
      new k8s.core.v1.Secret(
        `region-${name}`,
        {
          metadata: {
            name: regionSecretName(name),
            namespace: namespace.metadata.name,
            labels: labels({ 'bulkhead.dev/region': name }),
          },
          type: 'Opaque',
          stringData: pulumi.secret(regionSecretData(region)),
        },
        { provider, additionalSecretOutputs: ['data', 'stringData'] },
      ),
  );
}

/** The Secret the chart's API reads its audit trail URL from (defaults of charts/bulkhead/values.yaml). */
export function auditTrailSecretRef(config: StackConfig): { name: string; key: string } {
  const urlSecret = apiValues(config.chartValues).auditTrail?.urlSecret;
  return { name: urlSecret?.name ?? 'bulkhead-api-audit-trail', key: urlSecret?.key ?? 'url' };
}

export function createAuditTrailSecret(
  config: StackConfig,
  namespace: k8s.core.v1.Namespace,
  provider: pulumi.ProviderResource,
): k8s.core.v1.Secret[] {
  if (config.apiAuditTrailUrl === undefined) return [];
  const { name, key } = auditTrailSecretRef(config);
  return [
    new k8s.core.v1.Secret(
      'api-audit-trail',
      {
        metadata: { name, namespace: namespace.metadata.name, labels: labels({ 'app.kubernetes.io/component': 'api' }) },
        type: 'Opaque',
        stringData: pulumi.secret({ [key]: config.apiAuditTrailUrl }),
      },
      { provider, additionalSecretOutputs: ['data', 'stringData'] },
    ),
  ];
}
