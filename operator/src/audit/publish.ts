/**
 * Where the latest report lives for readers inside the cluster (the onboarding API's auditor
 * role): a ConfigMap in the operator's namespace holding the signed report gzip-compressed, so a
 * fleet of hundreds of tenants fits the 1 MiB object limit. The report file itself stays the
 * evidence; this is only its distribution.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { managedByLabel, managedByValue } from '../api/labels.js';
import type { KubeClient } from '../kube/client.js';
import type { KubeObject } from '../runtime/types.js';
import { auditFieldManager } from './isolation-condition.js';

export const reportKey = 'report.json.gz';

/** etcd refuses objects over about 1.5 MiB; stay well under the ConfigMap's 1 MiB data limit. */
const maximumCompressedBytes = 900 * 1024;

interface ReportConfigMap extends KubeObject {
  binaryData?: Record<string, string>;
}

export class ReportTooLargeError extends Error {}

export async function publishReport(client: KubeClient, where: { namespace: string; name: string }, report: Buffer): Promise<void> {
  const compressed = gzipSync(report, { level: 9 });
  if (compressed.length > maximumCompressedBytes) {
    throw new ReportTooLargeError(`the report is ${compressed.length} bytes compressed, over the ${maximumCompressedBytes} a ConfigMap can hold`);
  }
  const configMap: ReportConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: where.name, namespace: where.namespace, labels: { [managedByLabel]: managedByValue, 'app.kubernetes.io/component': 'audit' } },
    binaryData: { [reportKey]: compressed.toString('base64') },
  };
  await client.apply(configMap, { fieldManager: auditFieldManager, force: true });
}

/** The latest report's bytes exactly as signed, or undefined when none was published yet. */
export async function readPublishedReport(client: KubeClient, where: { namespace: string; name: string }): Promise<Buffer | undefined> {
  const configMap = await client.get<ReportConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace: where.namespace, name: where.name });
  const data = configMap?.binaryData?.[reportKey];
  return data === undefined ? undefined : gunzipSync(Buffer.from(data, 'base64'));
}
