/**
 * Where the latest report lives for readers inside the cluster (the onboarding API's auditor
 * role): ConfigMaps in the operator's namespace holding the signed report gzip-compressed, in one
 * ConfigMap when it fits and in parts under a manifest when it does not (publication.ts,
 * docs/decisions/0024). The report file itself stays the evidence; this is only its distribution.
 * Compression runs on libuv's thread pool, so a large report does not hold the event loop the
 * leader's Lease renewals need.
 */
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { managedByLabel, managedByValue } from '../api/labels.js';
import type { KubeClient } from '../kube/client.js';
import { auditFieldManager } from './isolation-condition.js';
import {
  buildPublication,
  compressedReport,
  partNamesOf,
  PublicationMismatchError,
  requireManifestReport,
  type PublishedConfigMap,
} from './publication.js';

export { ReportTooLargeError } from './publication.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

export interface PublishTarget {
  namespace: string;
  name: string;
  /** At most this many parts (audit.reportParts); the chart's RBAC names as many. */
  maximumParts?: number;
}

export interface Published {
  parts: number;
  compressedBytes: number;
}

const labels = { [managedByLabel]: managedByValue, 'app.kubernetes.io/component': 'audit' };

/** Parts first, then the head that names them, so a reader that sees the new head finds its parts. */
export async function publishReport(client: KubeClient, where: PublishTarget, report: Buffer): Promise<Published> {
  const compressed = await gzipAsync(report, { level: 9 });
  const publication = buildPublication({ ...where, labels }, report, compressed);
  for (const part of publication.parts) await client.apply(part, { fieldManager: auditFieldManager, force: true });
  await client.apply(publication.head, { fieldManager: auditFieldManager, force: true });
  return { parts: publication.parts.length, compressedBytes: compressed.length };
}

/** What reading a publication needs of a client: the onboarding API passes a cell's, marking the failures of the cell itself. */
export type ConfigMapReader = Pick<KubeClient, 'get'>;

const configMap = (client: ConfigMapReader, namespace: string, name: string): Promise<PublishedConfigMap | undefined> =>
  client.get<PublishedConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name });

/**
 * The latest report's bytes exactly as signed, or undefined when none was published yet. A part
 * that does not match its manifest is read again (a publication may be under way) before it is an error.
 */
export async function readPublishedReport(
  client: ConfigMapReader,
  where: { namespace: string; name: string },
  attempts = 3,
): Promise<Buffer | undefined> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const head = await configMap(client, where.namespace, where.name);
      if (!head) return undefined;
      const parts = await Promise.all(partNamesOf(head).map((name) => configMap(client, where.namespace, name)));
      const found = compressedReport(head, new Map(parts.flatMap((part) => (part ? [[part.metadata.name, part] as const] : []))));
      return found && requireManifestReport(await gunzipAsync(found.compressed), found.manifest);
    } catch (error) {
      if (!(error instanceof PublicationMismatchError) || attempt >= attempts) throw error;
    }
  }
}
