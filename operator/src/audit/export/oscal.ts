/**
 * A signed audit report as NIST OSCAL 1.1.3 assessment-results JSON, for GRC tools to import: one
 * result per report, one observation per check, a finding per control some check failed (and per
 * failing check that gives evidence for no control), the tenants (and the cluster) as subjects.
 * Valid against the released schema (operator/vendor/oscal/v1.1.3; oscal.test.ts validates).
 *
 * Every UUID is a version-5 UUID derived from the report's digest and the object's place in the
 * report, so exporting the same report twice gives the same bytes, and two reports never share one.
 */
import { createHash } from 'node:crypto';
import type { AuditCheck } from '../model.js';
import { controlsCovered } from '../report/controls-covered.js';
import type { SignedReport } from '../report/schema.js';
import { reportControls, oscalControlId, propertyText, type ControlRef } from './common.js';

export const oscalVersion = '1.1.3';
/** Our own property names live in this namespace, as OSCAL asks of names it does not define. */
export const bulkheadNamespace = 'https://bulkhead.dev/ns/oscal';

type Json = Record<string, unknown>;

/** RFC 4122 version 5 (SHA-1, name-based) UUID of `name` in `namespace`. */
export function uuidV5(namespace: string, name: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** RFC 4122's URL namespace. */
const urlNamespace = '6ba7b811-9dad-11d1-80b4-00c04fd430c8';

const prop = (name: string, value: string) => ({ name, ns: bulkheadNamespace, value: propertyText(value) });

/** Probes send requests or traffic (TEST); the rest judge what was read (EXAMINE). */
function methodOf(check: AuditCheck): string {
  const tested = [
    'access.review.',
    'access.admission.',
    'network.enforcement',
    'database.own-login',
    'database.cross-tenant-login',
    'key.encryption-context',
  ];
  return tested.some((prefix) => check.id.startsWith(prefix)) ? 'TEST' : 'EXAMINE';
}

/** `digest` is the report file's `sha256:<hex>`; `file` the name the back-matter links to. */
export function toOscal(report: SignedReport, digest: string, file: string): Json {
  const base = uuidV5(urlNamespace, `https://bulkhead.dev/audit-report/${digest}`);
  const uuid = (name: string) => uuidV5(base, name);
  const tenants = [...new Set(report.summary.byTenant.map((row) => row.tenant))];
  const subjects = new Map(tenants.map((tenant) => [tenant, uuid(`tenant/${tenant}`)]));
  const cluster = uuid('cluster');
  const controlsOf = reportControls(report);
  const observations = report.checks.map((check, index) =>
    observation(
      check,
      { uuid: uuid(`observation/${index}`), subject: subjects.get(check.tenant ?? '') ?? cluster },
      report,
      controlsOf(check.id),
    ),
  );
  const reportResource = uuid('resource/report');
  return {
    'assessment-results': {
      uuid: uuid('assessment-results'),
      metadata: metadata(report, digest),
      'import-ap': {
        href: `#${reportResource}`,
        remarks:
          'No OSCAL assessment plan exists: the plan is the fixed set of checks of `bulkhead audit` (docs/auditors.md), run on the signed report linked here.',
      },
      results: [
        {
          uuid: uuid('result'),
          title: `Tenant isolation audit of ${report.cluster.server}`,
          description: `${report.summary.result.toUpperCase()}: ${report.summary.findings} findings in ${report.summary.checks} checks, scope ${report.scope.kind === 'all' ? 'all tenants' : `tenant ${report.scope.tenant}`}.`,
          start: report.probed?.startedAt ?? report.generatedAt,
          end: report.generatedAt,
          props: [
            prop('report-digest', digest),
            prop('cluster-kube-system-uid', report.cluster.kubeSystemUid),
            prop('summary-result', report.summary.result),
          ],
          'local-definitions': { 'inventory-items': inventoryItems(report, subjects, cluster) },
          'reviewed-controls': reviewedControls(report),
          ...(observations.length > 0 ? { observations } : {}),
          ...withFindings(findings(report, observations, uuid, controlsOf)),
          remarks: report.limitations.join('\n\n'),
        },
      ],
      'back-matter': {
        resources: [
          {
            uuid: reportResource,
            title: 'The signed Bulkhead audit report these results were exported from',
            description: 'Verify it with `bulkhead audit verify FILE --public-key KEY.pem` before trusting this export.',
            rlinks: [
              { href: file, 'media-type': 'application/json', hashes: [{ algorithm: 'SHA-256', value: digest.replace(/^sha256:/, '') }] },
            ],
          },
        ],
      },
    },
  };
}

function metadata(report: SignedReport, digest: string): Json {
  return {
    title: 'Bulkhead tenant isolation audit',
    published: report.generatedAt,
    'last-modified': report.generatedAt,
    version: digest,
    'oscal-version': oscalVersion,
    props: [
      prop('tool', `${report.tool.name} ${report.tool.version}`),
      prop('signing-key-id', report.signature.keyId),
      prop('report-format', report.format),
    ],
  };
}

function inventoryItems(report: SignedReport, subjects: Map<string, string>, cluster: string): Json[] {
  return [
    {
      uuid: cluster,
      description: `The Kubernetes cluster ${report.cluster.server} (kube-system uid ${report.cluster.kubeSystemUid}); subject of the fleet-wide checks.`,
      props: [prop('kind', 'cluster')],
    },
    ...[...subjects].map(([tenant, uuid]) => ({
      uuid,
      description: `Tenant ${tenant}`,
      props: [prop('kind', 'tenant'), prop('tenant', tenant)],
    })),
  ];
}

/** Every control the report's section lists, by framework; the ones not covered too, so a reader sees what was not claimed. */
function reviewedControls(report: SignedReport): Json {
  const section = report.controls ?? controlsCovered(report.checks);
  const frameworks = [...new Set(section.controls.map((control) => control.framework))];
  return {
    'control-selections': frameworks.map((framework) => ({
      description:
        framework === 'SOC 2' ? 'SOC 2 Trust Services Criteria (2017, points of focus revised 2022)' : 'ISO/IEC 27001:2022 Annex A',
      props: [prop('framework', framework)],
      'include-controls': section.controls
        .filter((control) => control.framework === framework)
        .map((control) => ({ 'control-id': oscalControlId(control) })),
    })),
  };
}

function observation(
  check: AuditCheck,
  { uuid, subject }: { uuid: string; subject: string },
  report: SignedReport,
  controls: readonly ControlRef[],
): Json {
  return {
    uuid,
    title: check.title,
    description: check.message === '' ? check.title : check.message,
    props: [
      prop('check-id', check.id),
      prop('category', check.category),
      prop('result', check.result),
      prop('reason', check.reason),
      ...controls.map((control) => prop('control', oscalControlId(control))),
    ],
    methods: [methodOf(check)],
    types: [check.result === 'pass' ? 'control-objective' : 'finding'],
    subjects: [{ 'subject-uuid': subject, type: 'inventory-item' }],
    'relevant-evidence': [
      { description: `The check's evidence is in the signed report (${check.id}${check.tenant ? `, tenant ${check.tenant}` : ''}).` },
    ],
    collected: report.generatedAt,
  };
}

function withFindings(list: Json[]): Json {
  return list.length === 0 ? {} : { findings: list };
}

/** A finding per control with a failing or erring check, and per such check that is evidence for no control. */
function findings(
  report: SignedReport,
  observations: Json[],
  uuid: (name: string) => string,
  controlsOf: (checkId: string) => ControlRef[],
): Json[] {
  const failing = report.checks
    .map((check, index) => ({ check, observation: observations[index]?.uuid as string }))
    .filter(({ check }) => check.result !== 'pass');
  const section = report.controls ?? controlsCovered(report.checks);
  const byControl = section.controls
    .filter((control) => control.status === 'not-satisfied')
    .map((control) => {
      const related = failing.filter(({ check }) => control.checks.some((row) => row.id === check.id));
      return {
        uuid: uuid(`finding/control/${control.id}`),
        title: `${control.framework} ${control.id} ${control.title}: not satisfied`,
        description: `${control.fail} checks failed and ${control.error} could not be carried out: ${related.map(({ check }) => `${check.id}${check.tenant ? ` (${check.tenant})` : ''}: ${check.reason}`).join('; ')}`,
        target: { type: 'objective-id', 'target-id': oscalControlId(control), status: { state: 'not-satisfied', reason: 'fail' } },
        'related-observations': related.map(({ observation }) => ({ 'observation-uuid': observation })),
      };
    });
  const uncontrolled = failing
    .filter(({ check }) => controlsOf(check.id).length === 0)
    .map(({ check, observation }) => ({
      uuid: uuid(`finding/check/${observation}`),
      title: `${check.id}${check.tenant ? ` (${check.tenant})` : ''}: ${check.reason}`,
      description: check.message === '' ? check.title : check.message,
      target: { type: 'objective-id', 'target-id': check.id, status: { state: 'not-satisfied', reason: 'fail' } },
      'related-observations': [{ 'observation-uuid': observation }],
    }));
  return [...byControl, ...uncontrolled];
}
