/** The OSCAL export against NIST's released assessment-results schema (vendored), and its mapping. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import addFormats from 'ajv-formats';
import { errored, failed } from '../model.js';
import { buildReport, digestOf, generateSigningKey, loadPrivateKey, serializeReport, signReport } from '../report/index.js';
import { sampleReportParts } from '../report/sample-parts.js';
import { toOscal, uuidV5 } from './oscal.js';

const schemaFile = fileURLToPath(new URL('../../../vendor/oscal/v1.1.3/oscal_assessment-results_schema.json', import.meta.url));
const schemaBytes = readFileSync(schemaFile);

function validator() {
  // NIST's schema gives every definition an `$id` of its own JSON pointer, which strict mode refuses; nothing else is relaxed.
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(schemaBytes.toString('utf8')) as object);
}

const validate = validator();
const problems = (errors: ErrorObject[] | null | undefined) =>
  (errors ?? [])
    .slice(0, 5)
    .map((error) => `${error.instancePath} ${error.message ?? ''}`)
    .join('; ');

const keys = generateSigningKey();
const privateKey = loadPrivateKey(keys.privateKey, 'private');

function signedSample(change?: (parts: ReturnType<typeof sampleReportParts>) => void) {
  const parts = sampleReportParts();
  parts.checks = [
    ...parts.checks,
    failed({
      id: 'network.external-ips',
      category: 'network',
      tenant: 'globex',
      title: 'No Service in tenant-globex sets spec.externalIPs',
      reason: 'ExternalIPs',
      message: 'Service tenant-globex/capture sets externalIPs 10.0.0.1\nsecond line',
      evidence: {},
    }),
    errored({
      id: 'key.policy-failed',
      category: 'key',
      tenant: 'acme',
      title: 'The key could be audited',
      reason: 'AuditPartFailed',
      message: '',
      evidence: null,
    }),
  ];
  change?.(parts);
  const signed = signReport(buildReport(parts), privateKey);
  return { signed, digest: digestOf(serializeReport(signed)) };
}

type Oscal = {
  'assessment-results': {
    uuid: string;
    results: {
      observations: { uuid: string; props: { name: string; value: string }[]; subjects: { 'subject-uuid': string }[] }[];
      findings: { target: { 'target-id': string; status: { state: string } }; 'related-observations': { 'observation-uuid': string }[] }[];
      'local-definitions': { 'inventory-items': { uuid: string; description: string }[] };
      'reviewed-controls': { 'control-selections': { 'include-controls': { 'control-id': string }[] }[] };
    }[];
  };
};

describe('the OSCAL export', () => {
  const { signed, digest } = signedSample();
  const document = toOscal(signed, digest, 'audit-2026-11-27T03-00-00.000Z.json');

  it('vendors the schema file of the v1.1.3 release unchanged', () => {
    assert.equal(
      createHash('sha256').update(schemaBytes).digest('hex'),
      'd9e34757f0c12aff61f52b821f0b8f83ba0ba75b3a149a202b08ba82f82bc4c3',
    );
  });

  it('is valid OSCAL 1.1.3 assessment-results', () => {
    assert.ok(validate(document), problems(validate.errors));
  });

  it('is refused by the same validator when a required member is missing or a UUID is not one', () => {
    const broken = structuredClone(document) as Oscal;
    const results = broken['assessment-results'].results[0];
    assert.ok(results);
    results.observations[0] = { ...results.observations[0], uuid: 'not-a-uuid' } as (typeof results.observations)[number];
    assert.equal(validate(broken), false);
    const { metadata: _metadata, ...withoutMetadata } = document['assessment-results'] as Record<string, unknown>;
    assert.equal(validate({ 'assessment-results': withoutMetadata }), false);
  });

  it('has one observation per check, naming its check, result, controls and tenant subject', () => {
    const [result] = (document as Oscal)['assessment-results'].results;
    assert.ok(result);
    assert.equal(result.observations.length, signed.checks.length);
    const external = result.observations.find((o) => o.props.some((p) => p.name === 'check-id' && p.value === 'network.external-ips'));
    assert.ok(external);
    const values = (name: string) => external.props.filter((p) => p.name === name).map((p) => p.value);
    assert.deepEqual(values('result'), ['fail']);
    assert.deepEqual(values('control'), ['CC6.6', 'CC7.2', 'A.8.16', 'A.8.21']);
    const globex = result['local-definitions']['inventory-items'].find((item) => item.description === 'Tenant globex');
    assert.equal(external.subjects[0]?.['subject-uuid'], globex?.uuid);
  });

  it('has a finding per control some check failed, and per failing check that is evidence for no control', () => {
    const [result] = (document as Oscal)['assessment-results'].results;
    const targets = (result?.findings ?? []).map((finding) => finding.target['target-id']).sort();
    assert.deepEqual(targets, ['A.8.16', 'A.8.21', 'CC6.6', 'CC7.2', 'key.policy-failed', 'network.cross-tenant']);
    assert.ok(
      result?.findings.every((finding) => finding.target.status.state === 'not-satisfied' && finding['related-observations'].length === 1),
    );
    const selected = result?.['reviewed-controls']['control-selections'].flatMap((s) => s['include-controls'].map((c) => c['control-id']));
    assert.equal(selected?.length, 22);
    assert.ok(selected?.includes('A.8.22'));
  });

  it('derives every UUID from the report digest: the same report exports to the same document, another to other UUIDs', () => {
    assert.deepEqual(toOscal(signed, digest, 'audit-2026-11-27T03-00-00.000Z.json'), document);
    const other = signedSample((parts) => {
      parts.generatedAt = new Date('2026-11-27T03:05:00.000Z');
    });
    const otherDocument = toOscal(other.signed, other.digest, 'x.json') as Oscal;
    assert.notEqual(otherDocument['assessment-results'].uuid, (document as Oscal)['assessment-results'].uuid);
    const uuids = JSON.stringify(document).match(/[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/g) ?? [];
    assert.ok(uuids.length > signed.checks.length);
  });

  it('makes RFC 4122 version-5 UUIDs (the RFC example: www.example.com in the DNS namespace)', () => {
    assert.equal(uuidV5('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'www.example.com'), '2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });
});
