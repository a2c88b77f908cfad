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
import { gunzipSync } from 'node:zlib';
import { z } from 'zod';
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
  const metadata = (name: string) => ({
    name,
    namespace: where.namespace,
    labels: { ...where.labels, 'bulkhead.dev/audit-report': where.name },
  });
  const partBytes = where.partBytes ?? maximumPartBytes;
  if (compressed.length <= partBytes) {
    return {
      parts: [],
      head: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: metadata(where.name),
        binaryData: { [reportKey]: compressed.toString('base64') },
      },
    };
  }
  const count = Math.ceil(compressed.length / partBytes);
  const maximumParts = where.maximumParts ?? defaultMaximumParts;
  if (count > maximumParts) {
    throw new ReportTooLargeError(
      `the report is ${compressed.length} bytes compressed: ${count} parts of ${partBytes} bytes, over the ${maximumParts} ` +
        "the configuration allows (audit.reportParts, which the chart's RBAC must name as well)",
    );
  }
  const slices = Array.from({ length: count }, (_, i) => compressed.subarray(i * partBytes, (i + 1) * partBytes));
  const reportDigest = digestOf(report);
  const parts = slices.map((slice, i): PublishedConfigMap => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { ...metadata(partName(where.name, i + 1)), annotations: { 'bulkhead.dev/audit-report-digest': reportDigest } },
    binaryData: { [partKey]: slice.toString('base64') },
  }));
  const manifest: PartsManifest = {
    format: manifestFormat,
    report: { digest: reportDigest, bytes: report.length },
    compressed: { digest: digestOf(compressed), bytes: compressed.length },
    parts: slices.map((slice, i) => ({ name: partName(where.name, i + 1), digest: digestOf(slice), bytes: slice.length })),
  };
  return {
    parts,
    manifest,
    head: { apiVersion: 'v1', kind: 'ConfigMap', metadata: metadata(where.name), data: { [manifestKey]: JSON.stringify(manifest) } },
  };
}

/** A part read back that does not match the manifest: most likely a publication in progress (read again), else tampering. */
export class PublicationMismatchError extends Error {}

const sha256 = z.string().regex(/^sha256:[0-9a-f]{64}$/, 'expected sha256:<64 lowercase hex digits>');
const manifestSchema = z.strictObject({
  format: z.literal(manifestFormat),
  report: z.strictObject({ digest: sha256, bytes: z.int().min(0) }),
  compressed: z.strictObject({ digest: sha256, bytes: z.int().min(0) }),
  parts: z.array(z.strictObject({ name: z.string().min(1), digest: sha256, bytes: z.int().min(0) })).min(1),
});

/** The manifest of a split publication, checked against its schema; undefined for the single-ConfigMap form. */
export function manifestOf(head: PublishedConfigMap): PartsManifest | undefined {
  const text = head.data?.[manifestKey];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`ConfigMap ${head.metadata.name}: data.${manifestKey} is not JSON (${(error as Error).message})`);
  }
  const result = manifestSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new Error(
      `ConfigMap ${head.metadata.name}: data.${manifestKey}.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'not a parts manifest'}`,
    );
  }
  return result.data;
}

/** The part names a head ConfigMap's manifest lists (none for the single form). */
export function partNamesOf(head: PublishedConfigMap): string[] {
  return manifestOf(head)?.parts.map((entry) => entry.name) ?? [];
}

/**
 * The gzip stream of a publication, from its head ConfigMap and its parts by name: each part must
 * match the digest and size the manifest gives, and the whole the manifest's compressed digest.
 * Undefined when the head holds neither form.
 */
export function compressedReport(
  head: PublishedConfigMap,
  parts: ReadonlyMap<string, PublishedConfigMap>,
): { compressed: Buffer; manifest?: PartsManifest } | undefined {
  const single = head.binaryData?.[reportKey];
  if (single !== undefined) return { compressed: Buffer.from(single, 'base64') };
  const manifest = manifestOf(head);
  if (!manifest) return undefined;
  const slices = manifest.parts.map((entry) => partSlice(head, entry, parts.get(entry.name)));
  const compressed = Buffer.concat(slices);
  if (digestOf(compressed) !== manifest.compressed.digest)
    throw new PublicationMismatchError(`the parts together do not have the manifest's compressed digest ${manifest.compressed.digest}`);
  return { compressed, manifest };
}

function partSlice(head: PublishedConfigMap, entry: PartEntry, part: PublishedConfigMap | undefined): Buffer {
  const data = part?.binaryData?.[partKey];
  if (data === undefined)
    throw new PublicationMismatchError(
      `part ${entry.name} named by ConfigMap ${head.metadata.name} is missing (or has no binaryData.${partKey})`,
    );
  const slice = Buffer.from(data, 'base64');
  const found = digestOf(slice);
  if (found !== entry.digest || slice.length !== entry.bytes) {
    throw new PublicationMismatchError(
      `part ${entry.name} is ${slice.length} bytes with digest ${found}, but the manifest says ${entry.bytes} bytes with ${entry.digest}`,
    );
  }
  return slice;
}

/** The reassembled report must be the one the manifest names, byte for byte. */
export function requireManifestReport(report: Buffer, manifest: PartsManifest | undefined): Buffer {
  if (manifest && digestOf(report) !== manifest.report.digest) {
    throw new PublicationMismatchError(
      `the reassembled report has digest ${digestOf(report)}, but the manifest names ${manifest.report.digest}`,
    );
  }
  return report;
}

/**
 * The report from ConfigMaps exported as JSON (`kubectl get configmaps -l
 * bulkhead.dev/audit-report -o json`: a List, or one object), for `bulkhead audit verify --published`.
 */
export function reportFromExport(objects: readonly PublishedConfigMap[], name?: string): Buffer {
  const heads = objects.filter((object) => (name === undefined ? isHead(object) : object.metadata.name === name));
  if (heads.length !== 1) {
    throw new Error(
      `expected one published report ConfigMap${name ? ` named ${name}` : ''} (binaryData.${reportKey} or data.${manifestKey}), found ${heads.length}`,
    );
  }
  const head = heads[0] as PublishedConfigMap;
  const found = compressedReport(head, new Map(objects.map((object) => [object.metadata.name, object])));
  if (!found) throw new Error(`ConfigMap ${head.metadata.name} holds neither binaryData.${reportKey} nor data.${manifestKey}`);
  return requireManifestReport(gunzipSync(found.compressed), found.manifest);
}

function isHead(object: PublishedConfigMap): boolean {
  return object.binaryData?.[reportKey] !== undefined || object.data?.[manifestKey] !== undefined;
}
