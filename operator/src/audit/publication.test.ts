/** Publishing a signed report in ConfigMaps: one when it fits, parts under a manifest when not, and reading either back exactly as signed. */
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { buildPublication, publicationNames, reportFromExport, ReportTooLargeError, type PublishedConfigMap } from './publication.js';
import { buildReport } from './report/build.js';
import { sampleReportParts } from './report/sample-parts.js';
import { digestOf, generateSigningKey, loadPrivateKey, loadPublicKey, serializeReport, signReport } from './report/signing.js';
import { verifyReport } from './report/verify.js';

const keys = generateSigningKey();
const publicKey = loadPublicKey(keys.publicKey, 'public');
const report = serializeReport(signReport(buildReport(sampleReportParts()), loadPrivateKey(keys.privateKey, 'private')));
// Level 0: the stream is as long as the report, so small part sizes cut it into several parts.
const compressed = gzipSync(report, { level: 0 });
const where = { namespace: 'bulkhead-system', name: 'bulkhead-audit-report', labels: { 'app.kubernetes.io/component': 'audit' } };

const partBytes = Math.ceil(compressed.length / 3);
const split = (): { objects: PublishedConfigMap[]; head: PublishedConfigMap; parts: PublishedConfigMap[] } => {
  const publication = buildPublication({ ...where, partBytes }, report, compressed);
  return { objects: [...publication.parts, publication.head], head: publication.head, parts: publication.parts };
};

/** A copy of a part with one byte of its slice changed. */
function tampered(part: PublishedConfigMap): PublishedConfigMap {
  const bytes = Buffer.from(part.binaryData?.['part.gz'] ?? '', 'base64');
  bytes[10] = (bytes[10] ?? 0) ^ 0xff;
  return { ...part, binaryData: { 'part.gz': bytes.toString('base64') } };
}

describe('publishing the audit report in ConfigMaps', () => {
  it('keeps a report that fits in the one ConfigMap it always used, readable as signed', () => {
    const publication = buildPublication(where, report, compressed);
    assert.equal(publication.parts.length, 0);
    assert.deepEqual(Object.keys(publication.head.binaryData ?? {}), ['report.json.gz']);
    const read = reportFromExport([publication.head]);
    assert.ok(read.equals(report));
  });

  it('cuts a larger one into parts named <name>-part-N under a manifest of their digests, and puts it back byte for byte', () => {
    const { objects, head, parts } = split();
    assert.deepEqual(
      parts.map((p) => p.metadata.name),
      ['bulkhead-audit-report-part-1', 'bulkhead-audit-report-part-2', 'bulkhead-audit-report-part-3'],
    );
    assert.ok(parts.every((p) => Buffer.from(p.binaryData?.['part.gz'] ?? '', 'base64').length <= partBytes));
    const manifest = JSON.parse(head.data?.['parts.json'] ?? '{}') as {
      report: { digest: string };
      parts: { name: string; digest: string }[];
    };
    assert.equal(manifest.report.digest, digestOf(report), 'the manifest names the report the chain names');
    assert.equal(manifest.parts[1]?.digest, digestOf(Buffer.from(parts[1]?.binaryData?.['part.gz'] ?? '', 'base64')));
    const read = reportFromExport(objects);
    assert.ok(read.equals(report));
    assert.equal(verifyReport(read, publicKey).ok, true);
  });

  it('refuses a part that was changed, naming it, and a part that is missing', () => {
    const { head, parts } = split();
    const changed = [head, parts[0], tampered(parts[1] as PublishedConfigMap), parts[2]] as PublishedConfigMap[];
    assert.throws(
      () => reportFromExport(changed),
      /part bulkhead-audit-report-part-2 is \d+ bytes with digest sha256:[0-9a-f]+, but the manifest says/,
    );
    assert.throws(
      () => reportFromExport([head, parts[0], parts[2]] as PublishedConfigMap[]),
      /part bulkhead-audit-report-part-2 named by ConfigMap bulkhead-audit-report is missing/,
    );
  });

  it('refuses parts that match a changed manifest but not the report it names', () => {
    const { head, parts } = split();
    const manifest = JSON.parse(head.data?.['parts.json'] ?? '{}') as { report: { digest: string } };
    manifest.report.digest = digestOf(Buffer.from('another report'));
    const forged = { ...head, data: { 'parts.json': JSON.stringify(manifest) } };
    assert.throws(() => reportFromExport([forged, ...parts]), /the reassembled report has digest sha256:[0-9a-f]+, but the manifest names/);
  });

  it('refuses a report that needs more parts than the configuration allows, naming the setting', () => {
    assert.throws(
      () => buildPublication({ ...where, partBytes, maximumParts: 2 }, report, compressed),
      (error: unknown) =>
        error instanceof ReportTooLargeError && /3 parts .* over the 2 the configuration allows \(audit.reportParts/.test(error.message),
    );
  });

  it('uses only names the chart grants: the ConfigMap and its numbered parts', () => {
    const { objects } = split();
    const granted = new Set(publicationNames(where.name, 3));
    assert.ok(objects.every((o) => granted.has(o.metadata.name)));
    assert.deepEqual(publicationNames('r', 2), ['r', 'r-part-1', 'r-part-2']);
  });
});
