/**
 * The product's chart repository as a ConfigMap, when `bulkhead:chartRepository` names a folder of
 * packaged charts (`<chart>-<version>.tgz`, as `helm package` writes them): the operator mounts it
 * at its chart repository path (values.ts sets the volume). Fits charts of a few hundred KiB in
 * all (a ConfigMap holds at most 1 MiB); larger repositories belong on a volume set in
 * `chartValues.operator.chartRepositoryVolume`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import type * as pulumi from '@pulumi/pulumi';
import type { StackConfig } from './config.js';

export const chartRepositoryConfigMap = 'bulkhead-product-charts';

/** The packaged charts of `dir`, by file name, base64-encoded as a ConfigMap's binaryData. */
export function packagedCharts(dir: string): Record<string, string> {
  const files = readdirSync(dir)
    .filter((file) => file.endsWith('.tgz'))
    .sort();
  if (files.length === 0) throw new Error(`bulkhead:chartRepository: ${dir} holds no packaged chart (<chart>-<version>.tgz)`);
  return Object.fromEntries(files.map((file) => [file, readFileSync(join(dir, file)).toString('base64')]));
}

export function createChartRepository(
  config: StackConfig,
  namespace: k8s.core.v1.Namespace,
  provider: pulumi.ProviderResource,
): k8s.core.v1.ConfigMap[] {
  if (config.chartRepository === undefined) return [];
  return [
    new k8s.core.v1.ConfigMap(
      'product-charts',
      {
        metadata: {
          name: chartRepositoryConfigMap,
          namespace: namespace.metadata.name,
          labels: { 'app.kubernetes.io/part-of': 'bulkhead', 'app.kubernetes.io/managed-by': 'pulumi' },
        },
        binaryData: packagedCharts(config.chartRepository),
      },
      { provider },
    ),
  ];
}
