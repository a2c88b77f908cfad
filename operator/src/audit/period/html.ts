/**
 * The period report as one self-contained HTML page (no script, nothing fetched), built with
 * html`...` so every value from the reports is escaped.
 */
import { html, raw, type Html } from '../report/html-template.js';
import { describeSeconds } from './gaps.js';
import type { PeriodFinding, SignedPeriodReport, UnsignedPeriodReport } from './schema.js';

type PeriodReport = UnsignedPeriodReport | SignedPeriodReport;

const styles = `
  body { font-family: system-ui, sans-serif; margin: 0; color: #111827; } main { max-width: 1100px; margin: 0 auto; padding: 24px; }
  .verdict { font-size: 22px; font-weight: 700; padding: 4px 14px; border-radius: 6px; display: inline-block; }
  .pass { background: #dcfce7; color: #14532d; } .fail { background: #fee2e2; color: #991b1b; }
  table { border-collapse: collapse; margin: 8px 0; } th, td { border: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; vertical-align: top; }
  .mono { font-family: ui-monospace, monospace; font-size: 13px; overflow-wrap: anywhere; }
`;

export function renderPeriodHtml(report: PeriodReport): string {
  const { summary, period } = report;
  const page = html`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Bulkhead audit period ${period.from} to ${period.to}</title><style>${raw(styles)}</style></head>
<body><main>
<h1>Isolation over a period</h1>
<p><span class="verdict ${summary.result}">${summary.result.toUpperCase()}</span>
 ${summary.chainFindings} evidence findings, ${summary.findings} findings (${summary.open} open), ${summary.reports} reports, ${summary.tenants} tenants</p>
<p>From ${period.from} to ${period.to}; audit interval ${describeSeconds(report.interval.seconds)}
 (${report.interval.source === 'flag' ? 'given' : 'inferred from the reports'}), a gap is longer than ${describeSeconds(report.interval.gapSeconds)}.
 ${'signature' in report ? html`Signed with Ed25519, keyId <span class="mono">${report.signature.keyId}</span>.` : 'Not signed.'}</p>
<h2>Evidence findings</h2>
${table(
  ['kind', 'report', 'message'],
  report.chainFindings.map((finding) => [finding.kind, finding.report ?? '', finding.message]),
)}
<h2>Findings over the period</h2>
${table(['check', 'tenant', 'reasons', 'first seen', 'last seen', 'sightings', 'fixed by', 'time to remediate'], report.findings.map(findingRow))}
<h2>Tenants</h2>
${table(
  ['tenant', 'first seen', 'last seen', 'onboarded', 'offboarded'],
  report.tenants.map((t) => [t.tenant, t.firstSeen, t.lastSeen, yes(t.onboarded), yes(t.offboarded)]),
)}
<h2>Key rotations followed</h2>
${table(
  ['from keyId', 'to keyId', 'at', 'recorded in'],
  report.trust.rotations.map((r) => [r.from, r.to, r.at, r.report]),
)}
<h2>Reports it rests on</h2>
${table(
  ['generated', 'file', 'digest', 'keyId', 'scope', 'result', 'findings'],
  report.reports.map((r) => [r.generatedAt, r.file, r.digest, r.keyId, r.scope, r.result, String(r.findings)]),
)}
</main></body></html>
`;
  return page.toString();
}

function findingRow(finding: PeriodFinding): string[] {
  return [
    finding.check,
    finding.tenant ?? '(fleet)',
    finding.reasons.join(', '),
    `${finding.firstSeen}${finding.openAtStart ? ' (already at the start)' : ''}`,
    finding.lastSeen,
    String(finding.sightings),
    finding.fixedAt ?? 'still open',
    finding.secondsToRemediate === null ? '—' : describeSeconds(finding.secondsToRemediate),
  ];
}

const yes = (value: boolean): string => (value ? 'yes' : 'no');

function table(headings: readonly string[], rows: readonly (readonly string[])[]): Html {
  if (rows.length === 0) return html`<p>None.</p>`;
  return html`<table><thead><tr>${headings.map((heading) => html`<th>${heading}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td class="mono">${cell}</td>`)}</tr>`)}</tbody></table>`;
}
