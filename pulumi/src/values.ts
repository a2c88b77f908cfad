/**
 * The values charts/bulkhead is installed with: the stack's `chartValues` as they are, plus the
 * operator's `regions` generated from `bulkhead:regions` (database host and port, KMS account and
 * endpoint, and references to the region Secrets; never a password). The resulting operator
 * configuration is checked against the operator's own schema, so a typo fails the preview instead
 * of crash-looping the operator after the install. With `bulkhead:chartRepository`, the operator's
 * chart repository volume is the ConfigMap chart-repository.ts installs.
 */
import { OperatorConfigSchema } from '../../operator/src/api/operator-config.js';
import type { RegionConfig, StackConfig } from './config.js';
import { chartRepositoryConfigMap } from './chart-repository.js';
import { regionSecretName } from './secrets.js';

type Values = Record<string, unknown>;

/** The operator's view of one region: where things are and which Secret holds the logins. */
export function operatorRegion(name: string, region: RegionConfig, namespace: string): Values {
  const secret = { namespace, name: regionSecretName(name) };
  const hasKmsCredentials = region.kms.accessKeyId !== undefined;
  return {
    database: { host: region.database.host, port: region.database.port, adminSecret: secret },
    kms: {
      accountId: region.kms.accountId,
      ...(region.kms.endpoint === undefined ? {} : { endpoint: region.kms.endpoint }),
      ...(hasKmsCredentials ? { credentialsSecret: secret } : {}),
    },
  };
}

export function chartValues(config: StackConfig): Values {
  const user = config.chartValues;
  const operator = (user['operator'] ?? {}) as Values;
  const operatorConfig = { ...((operator['config'] ?? {}) as Values), regions: operatorRegions(config) };
  assertValidOperatorConfig(operatorConfig);
  // The chart's default emptyDir gives way to it (charts/bulkhead/templates/_helpers.tpl, bulkhead.volumeSource).
  const chartRepositoryVolume =
    config.chartRepository === undefined ? {} : { chartRepositoryVolume: { configMap: { name: chartRepositoryConfigMap } } };
  return { ...user, operator: { ...operator, config: operatorConfig, ...chartRepositoryVolume } };
}

function operatorRegions(config: StackConfig): Values {
  return Object.fromEntries(Object.entries(config.regions).map(([name, region]) => [name, operatorRegion(name, region, config.namespace)]));
}

/** Names the stack key a problem comes from: regions are ours, everything else is chartValues. */
function assertValidOperatorConfig(operatorConfig: Values): void {
  const result = OperatorConfigSchema.safeParse(operatorConfig);
  if (result.success) return;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const key = path[0] === 'regions' ? `bulkhead:${path.join('.')}` : ['bulkhead:chartValues.operator.config', ...path].join('.');
    return `${key}: ${issue.message}`;
  });
  throw new Error(`invalid stack configuration (the operator would refuse it): ${problems.join('; ')}`);
}
