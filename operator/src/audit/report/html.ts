/**
 * The HTML report, what an auditor reads: one self-contained file (inline CSS and SVG, no script,
 * no fetch; a Content-Security-Policy forbids both) with the verdict and summary first, then the
 * per-tenant results, the reachability matrix, the findings, what the audit cannot prove, and the
 * full evidence. The page is built with html`...` (html-template.ts), which escapes every
 * interpolated string, so text from the cluster cannot become markup.
 */
import { controlsSection } from './html-controls.js';
import { html, joinHtml, raw, type Html } from './html-template.js';
import {
  assumptionsSection,
  checksSection,
  findingsSection,
  inputsSection,
  limitationsSection,
  matrixSection,
  probedSection,
} from './html-sections.js';
import type { SignedReport, UnsignedReport } from './schema.js';

type Report = UnsignedReport | SignedReport;

const styles = `
  body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; color: #111827; background: #fff; }
  main { max-width: 1100px; margin: 0 auto; padding: 24px; }
  h1 { margin: 0 0 8px; font-size: 26px; } h2 { margin-top: 36px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
  .verdict { display: inline-block; font-size: 22px; font-weight: 700; padding: 4px 14px; border-radius: 6px; }
  .verdict.pass, td.pass { color: #14532d; } .verdict.pass { background: #dcfce7; }
  .verdict.fail, td.fail, td.error { color: #991b1b; } .verdict.fail { background: #fee2e2; }
  dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; }
  dl.facts dt { font-weight: 600; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
  table { border-collapse: collapse; margin: 8px 0; } caption { text-align: left; font-weight: 600; padding: 4px 0; white-space: nowrap; }
  th, td { border: 1px solid #e5e7eb; padding: 4px 10px; text-align: left; vertical-align: top; }
  thead th { background: #f9fafb; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
  pre { background: #f9fafb; padding: 8px; overflow-x: auto; font-size: 12px; }
  code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
  td.probed.agree { background: #f0fdf4; } td.probed.mismatch { background: #fee2e2; color: #991b1b; font-weight: 700; }
  td.probed.unknown { background: #fffbeb; }
  td.none { color: #6b7280; } ul.checks { margin: 0; padding-left: 16px; }
  .matrix { overflow-x: auto; } .limitations li { margin-bottom: 6px; }
`;

export function renderHtml(report: Report): string {
  const title = `Tenant isolation audit, ${report.generatedAt}`;
  return html`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${raw(styles)}</style>
</head>
<body>
<main>
${joinHtml(
  [
    headerSection(report),
    summarySection(report),
    tenantsSection(report),
    matrixSection(report.matrix),
    probedSection(report.probed),
    findingsSection(report.checks),
    controlsSection(report.controls),
    limitationsSection(report.limitations),
    assumptionsSection(report.assumptions),
    checksSection(report.checks),
    inputsSection(report.inputs),
  ],
  '\n',
)}
</main>
</body>
</html>
`.toString();
}

function headerSection(report: Report): Html {
  const { result, findings, checks } = report.summary;
  return html`<header>
<h1>Tenant isolation audit</h1>
<p><span id="verdict" class="verdict ${result}">${result.toUpperCase()}</span>
<span id="verdict-detail">${findings} ${findings === 1 ? 'finding' : 'findings'} in ${checks} checks</span></p>
</header>`;
}

function summarySection(report: Report): Html {
  const facts: [string, string][] = [
    ['Result', report.summary.result.toUpperCase()],
    ['Checks', String(report.summary.checks)],
    ['Findings (fail or error)', String(report.summary.findings)],
    ['Cluster', report.cluster.server],
    ['Cluster identity (kube-system namespace uid)', report.cluster.kubeSystemUid],
    ['Scope', report.scope.kind === 'all' ? 'all tenants' : `tenant ${report.scope.tenant}`],
    ['Generated', report.generatedAt],
    ['Tool', `${report.tool.name} ${report.tool.version}`],
    ['Signature', 'signature' in report ? `${report.signature.algorithm}, keyId ${report.signature.keyId}` : 'not signed'],
    ['Previous report', report.previous?.digest ?? 'none (first in its chain)'],
    ['Inputs', `${report.inputs.length} objects read`],
  ];
  const rows = facts.map(([name, value]) => html`<dt>${name}</dt><dd data-fact="${name}">${value}</dd>`);
  return html`<section id="summary" aria-labelledby="summary-heading">
<h2 id="summary-heading">Summary</h2>
<dl class="facts">${joinHtml(rows, '\n')}</dl>
${countsTable(report)}
${categoryTable(report)}
<p>Verify this report's signature with <code>bulkhead audit verify REPORT.json --public-key KEY.pem</code> on the JSON it was rendered from; this page itself is not signed.</p>
</section>`;
}

function countsTable(report: Report): Html {
  const { counts } = report;
  const rows: [string, number | null][] = [
    ['Tenant objects', counts.tenants],
    ['Tenant namespaces', counts.namespaces],
    ['Tenant databases', counts.databases],
    ['KMS key aliases', counts.keyAliases],
  ];
  const body = rows.map(
    ([source, count]) =>
      html`<tr><th scope="row">${source}</th><td class="number">${count === null ? 'could not be read' : count}</td></tr>`,
  );
  return html`<table id="counts"><caption>Counts across sources (${counts.mismatches.length} ${counts.mismatches.length === 1 ? 'mismatch' : 'mismatches'})</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Count</th></tr></thead><tbody>${body}</tbody></table>`;
}

function categoryTable(report: Report): Html {
  const rows = Object.entries(report.summary.byCategory).map(([category, counts]) => resultRow(category, counts));
  return html`<table id="categories"><caption>Checks per category</caption>
<thead><tr><th scope="col">Category</th><th scope="col">Result</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Error</th></tr></thead>
<tbody>${joinHtml(rows, '\n')}</tbody></table>`;
}

function tenantsSection(report: Report): Html {
  const rows = report.summary.byTenant.map((row) => resultRow(row.tenant, row, 'tenant'));
  const fleet = report.checks.filter((check) => check.tenant === undefined);
  const fleetCounts = { pass: 0, fail: 0, error: 0 };
  for (const check of fleet) fleetCounts[check.result] += 1;
  return html`<section id="tenants" aria-labelledby="tenants-heading">
<h2 id="tenants-heading">Per-tenant results</h2>
<table id="tenant-results"><caption>${report.summary.byTenant.length} tenants; checks about the whole fleet are listed separately</caption>
<thead><tr><th scope="col">Tenant</th><th scope="col">Result</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Error</th></tr></thead>
<tbody>${joinHtml(rows, '\n')}</tbody>
<tfoot>${resultRow('Fleet-wide checks', fleetCounts)}</tfoot></table>
</section>`;
}

/** A row of counts; a row with no checks at all is not a pass (nothing was verified). */
function resultRow(name: string, counts: { pass: number; fail: number; error: number }, dataName?: string): Html {
  const total = counts.pass + counts.fail + counts.error;
  const result = counts.fail + counts.error > 0 ? 'fail' : total === 0 ? 'none' : 'pass';
  const label = result === 'none' ? 'NO CHECKS' : result.toUpperCase();
  const data = dataName ? html` data-${raw(dataName)}="${name}"` : '';
  return html`<tr${data}><th scope="row">${name}</th><td class="${result}">${label}</td><td class="number">${counts.pass}</td><td class="number">${counts.fail}</td><td class="number">${counts.error}</td></tr>`;
}
