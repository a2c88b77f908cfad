/**
 * The ConfigMaps that carry the latest signed report inside the cluster (docs/decisions/0024),
 * built and read back without I/O. A report whose gzip fits one ConfigMap is published as before
 * (`report.json.gz` in the named ConfigMap), so readers of the old form keep working. A larger one
 * is cut into parts, `<name>-part-1` ... `<name>-part-K`, each a slice of the one gzip stream, and
 * the named ConfigMap holds a manifest: the report's digest and size, and each part's name, digest
 * and size. The report inside stays byte for byte what was signed; the manifest is not evidence,
 * only the way to put the evidence back together, so reassembly checks every part against it and
 * the whole against the report's digest before anything is handed on.
 */
import { digestOf } from './report/signing.js';

export const reportKey = 'report.json.gz';
export const manifestKey = 'parts.json';
export const partKey = 'part.gz';
export const manifestFormat = 'bulkhead.dev/audit-report-parts/v1';

/** etcd refuses objects over about 1.5 MiB and a ConfigMap's data may hold 1 MiB: stay well under both. */
export const maximumPartBytes = 900 * 1024;
/** How many parts the chart's RBAC names (charts/bulkhead: bulkhead.auditReportConfigMaps). */
export const defaultMaximumParts = 16;

export interface PublishedConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: { name: string; namespace: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  data?: Record<string, string>;
  binaryData?: Record<string, string>;
}

export interface PartEntry {
  name: string;
  digest: string;
  bytes: number;
}

export interface PartsManifest {
  format: typeof manifestFormat;
  /** The signed report's digest (what the next report names as `previous`) and its size. */
  report: { digest: string; bytes: number };
  /** The gzip stream the parts are slices of, in order. */
  compressed: { digest: string; bytes: number };
  parts: PartEntry[];
}

export class ReportTooLargeError extends Error {}

export const partName = (name: string, index: number): string => `${name}-part-${index}`;

/** Every name a publication under `name` may use: the RBAC and admission policy of the chart list the same. */
export function publicationNames(name: string, maximumParts = defaultMaximumParts): string[] {
  return [name, ...Array.from({ length: maximumParts }, (_, i) => partName(name, i + 1))];
}

export interface Publication {
  /** Written first: the parts the manifest names (none when the report fits one ConfigMap). */
  parts: PublishedConfigMap[];
  /** Written last: the single report, or the manifest naming the parts. */
  head: PublishedConfigMap;
  manifest?: PartsManifest;
}

interface Where {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  maximumParts?: number;
  partBytes?: number;
}

/** The ConfigMaps for a report, from its signed bytes and their gzip. */
export function buildPublication(where: Where, report: Buffer, compressed: Buffer): Publication {
  const metadata = (name: string) => ({ name, namespace: where.namespace, labels: { ...where.labels, 'bulkhead.dev/audit-report': where.name } });
  const partBytes = where.partBytes ?? maximumPartBytes;
  if (compressed.length <= partBytes) {
    return { parts: [], head: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(where.name), binaryData: { [reportKey]: compressed.toString('base64') } } };
  }
  const count = Math.ceil(compressed.length / partBytes);
  const maximumParts = where.maximumParts ?? defaultMaximumParts;
  if (count > maximumParts) {
    throw new ReportTooLargeError(`the report is ${compressed.length} bytes compressed: ${count} parts of ${partBytes} bytes, over the ${maximumParts} ` +
      'the configuration allows (audit.reportParts, which the chart\'s RBAC must name as well)');
  }
  const slices = Array.from({ length: count }, (_, i) => compressed.subarray(i * partBytes, (i + 1) * partBytes));
  const reportDigest = digestOf(report);
  const parts = slices.map((slice, i): PublishedConfigMap => ({
    apiVersion: 'v1', kind: 'ConfigMap',
    metadata: { ...metadata(partName(where.name, i + 1)), annotations: { 'bulkhead.dev/audit-report-digest': reportDigest } },
    binaryData: { [partKey]: slice.toString('base64') },
  }));
  const manifest: PartsManifest = {
    format: manifestFormat,
    report: { digest: reportDigest, bytes: report.length },
    compressed: { digest: digestOf(compressed), bytes: compressed.length },
    parts: slices.map((slice, i) => ({ name: partName(where.name, i + 1), digest: digestOf(slice), bytes: slice.length })),
  };
  return { parts, manifest, head: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(where.name), data: { [manifestKey]: JSON.stringify(manifest) } } };
}

/** A part read back that does not match the manifest: most likely a publication in progress (read again), else tampering. */
export class PublicationMismatchError extends Error {}

/** The manifest of a split publication, checked field by field; undefined for the single-ConfigMap form. */
export function manifestOf(head: PublishedConfigMap): PartsManifest | undefined {
  const text = head.data?.[manifestKey];
  if (text === undefined) return undefined;
  let manifest: PartsManifest;
  try {
    manifest = JSON.parse(text) as PartsManifest;
  } catch (error) {
    throw new Error(`ConfigMap ${head.metadata.name}: data.${manifestKey} is not JSON (${(error as Error).message})`);
  }
  const digest = /^sha256:[0-9a-f]{64}$/;
  const entryOk = (entry: PartEntry | undefined): boolean => typeof entry?.name === 'string' && digest.test(entry.digest) && Number.isInteger(entry.bytes);
  if (manifest.format !== manifestFormat) throw new Error(`ConfigMap ${head.metadata.name}: data.${manifestKey}.format must be ${manifestFormat}`);
  if (!digest.test(manifest.report?.digest ?? '') || !digest.test(manifest.compressed?.digest ?? '')) {
    throw new Error(`ConfigMap ${head.metadata.name}: data.${manifestKey}: report.digest and compressed.digest must be sha256:<64 hex digits>`);
  }
  if (!Array.isArray(manifest.parts) || manifest.parts.length === 0 || !manifest.parts.every(entryOk)) {
    throw new Error(`ConfigMap ${head.metadata.name}: data.${manifestKey}.parts must list at least one {name, digest, bytes}`);
  }
  return manifest;
}

/**
 * The gzip stream of a publication, from its head ConfigMap and a way to find its parts by name:
 * each part must match the digest and size the manifest gives, and the whole the manifest's
 * compressed digest. Undefined when the head holds neither form.
 */
export async function compressedReport(head: PublishedConfigMap, partNamed: (name: string) => Promise<PublishedConfigMap | undefined>): Promise<{ compressed: Buffer; manifest?: PartsManifest } | undefined> {
  const single = head.binaryData?.[reportKey];
  if (single !== undefined) return { compressed: Buffer.from(single, 'base64') };
  const manifest = manifestOf(head);
  if (!manifest) return undefined;
  const slices: Buffer[] = [];
  for (const entry of manifest.parts) {
    const data = (await partNamed(entry.name))?.binaryData?.[partKey];
    if (data === undefined) throw new PublicationMismatchError(`part ${entry.name} named by ConfigMap ${head.metadata.name} is missing (or has no binaryData.${partKey})`);
    const slice = Buffer.from(data, 'base64');
    const found = digestOf(slice);
    if (found !== entry.digest || slice.length !== entry.bytes) {
      throw new PublicationMismatchError(`part ${entry.name} is ${slice.length} bytes with digest ${found}, but the manifest says ${entry.bytes} bytes with ${entry.digest}`);
    }
    slices.push(slice);
  }
  const compressed = Buffer.concat(slices);
  if (digestOf(compressed) !== manifest.compressed.digest) throw new PublicationMismatchError(`the parts together do not have the manifest's compressed digest ${manifest.compressed.digest}`);
  return { compressed, manifest };
}

/** The reassembled report must be the one the manifest names, byte for byte. */
export function requireManifestReport(report: Buffer, manifest: PartsManifest | undefined): Buffer {
  if (manifest && digestOf(report) !== manifest.report.digest) {
    throw new PublicationMismatchError(`the reassembled report has digest ${digestOf(report)}, but the manifest names ${manifest.report.digest}`);
  }
  return report;
}
