/**
 * The evidence sections of the HTML report: the reachability matrix, findings, limitations,
 * assumptions, every check with its evidence, and the objects read. Every string from the cluster
 * goes through escapeHtml.
 */
import { isFinding, type AuditCheck, type InputObject, type JsonValue, type ReachabilityMatrix } from '../model.js';
import { escapeHtml } from './escape.js';
import type { ProbedMatrix } from '../wire/model.js';
import { crossTenantCells, matrixSvg } from './matrix-picture.js';
import { disagreements, probedRows } from './probed-matrix.js';

export function matrixSection(matrix: ReachabilityMatrix | null): string {
  const heading = '<h2 id="matrix-heading">Reachability between tenants</h2>';
  if (matrix === null) {
    return `<section id="matrix" aria-labelledby="matrix-heading">${heading}<p>The matrix could not be computed; the network checks say why.</p></section>`;
  }
  const flagged = crossTenantCells(matrix);
  const list = flagged.length === 0
    ? '<p id="cross-tenant-flows">No tenant namespace may open a connection to another tenant namespace.</p>'
    : `<ul id="cross-tenant-flows">${flagged.map((cell) => `<li><strong>${escapeHtml(cell.from)} → ${escapeHtml(cell.to)}</strong>: ${escapeHtml(cell.allowed.join(', '))}</li>`).join('')}</ul>`;
  return `<section id="matrix" aria-labelledby="matrix-heading">
${heading}
<p>Rows are the source namespace, columns the destination; a cell lists the probes (${escapeHtml(matrix.probes.join(', '))}) some pod of the row may open to some pod of the column, as the NetworkPolicies allow. <code>(other)</code> is every namespace that is not a tenant's.</p>
<div class="matrix">${matrixSvg(matrix)}</div>
<p>The picture is computed from the NetworkPolicies' meaning, not measured with traffic: it holds only if the network plugin enforces NetworkPolicy (see below).</p>
<h3>Cross-tenant flows allowed</h3>
${list}
</section>`;
}

export function findingsSection(checks: readonly AuditCheck[]): string {
  const findings = checks.filter(isFinding);
  const body = findings.length === 0
    ? '<p>No findings: every check passed.</p>'
    : `<table id="findings-table"><caption>${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}</caption>
<thead><tr><th scope="col">Result</th><th scope="col">Category</th><th scope="col">Tenant</th><th scope="col">Check</th><th scope="col">Reason</th><th scope="col">What was found</th></tr></thead>
<tbody>${findings.map(findingRow).join('\n')}</tbody></table>`;
  return `<section id="findings" aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings</h2>
<p>A <em>fail</em> is a verified problem; an <em>error</em> is a check that could not be carried out, which is a finding too: it was not verified.</p>
${body}
</section>`;
}

function findingRow(check: AuditCheck): string {
  return `<tr><td class="${escapeHtml(check.result)}">${escapeHtml(check.result.toUpperCase())}</td><td>${escapeHtml(check.category)}</td><td>${escapeHtml(check.tenant ?? '(fleet)')}</td><td><span class="mono">${escapeHtml(check.id)}</span><br>${escapeHtml(check.title)}</td><td class="mono">${escapeHtml(check.reason)}</td><td>${escapeHtml(check.message)}</td></tr>`;
}

export function limitationsSection(limitations: readonly string[]): string {
  return `<section id="limitations" aria-labelledby="limitations-heading">
<h2 id="limitations-heading">What this audit cannot prove</h2>
<ul class="limitations">${limitations.map((sentence) => `<li>${escapeHtml(sentence)}</li>`).join('\n')}</ul>
</section>`;
}

export function assumptionsSection(assumptions: Record<string, JsonValue>): string {
  const rows = Object.entries(assumptions).map(([name, value]) => `<tr><th scope="row" class="mono">${escapeHtml(name)}</th><td class="mono">${escapeHtml(JSON.stringify(value))}</td></tr>`);
  return `<section id="assumptions" aria-labelledby="assumptions-heading">
<h2 id="assumptions-heading">Assumptions of the network analysis</h2>
<p>Behaviour the NetworkPolicy specification leaves to the network plugin; the defaults are the worst case for isolation.</p>
<table><thead><tr><th scope="col">Assumption</th><th scope="col">Value</th></tr></thead><tbody>${rows.join('')}</tbody></table>
</section>`;
}

export function checksSection(checks: readonly AuditCheck[]): string {
  const items = checks.map((check) => `<details><summary><span class="mono">${escapeHtml(check.result.toUpperCase())}</span> ${escapeHtml(check.tenant ?? '(fleet)')}: ${escapeHtml(check.title)}</summary>
<p><span class="mono">${escapeHtml(check.id)}</span>, ${escapeHtml(check.reason)}: ${escapeHtml(check.message)}</p>
<pre>${escapeHtml(JSON.stringify(check.evidence, null, 2))}</pre></details>`);
  return `<section id="checks" aria-labelledby="checks-heading">
<h2 id="checks-heading">All checks and their evidence</h2>
${items.join('\n')}
</section>`;
}

export function inputsSection(inputs: readonly InputObject[]): string {
  const rows = inputs.map((input) => `<tr><td>${escapeHtml(input.apiVersion)}</td><td>${escapeHtml(input.kind)}</td><td>${escapeHtml(input.namespace ?? '')}</td><td>${escapeHtml(input.name)}</td><td class="mono">${escapeHtml(input.uid)}</td><td class="mono">${escapeHtml(input.resourceVersion)}</td></tr>`);
  return `<section id="inputs" aria-labelledby="inputs-heading">
<h2 id="inputs-heading">Inputs</h2>
<p id="inputs-count">${inputs.length} objects read, each named by uid and resourceVersion so the audit can be repeated against the same state.</p>
<details><summary>The objects</summary>
<table><thead><tr><th scope="col">apiVersion</th><th scope="col">Kind</th><th scope="col">Namespace</th><th scope="col">Name</th><th scope="col">uid</th><th scope="col">resourceVersion</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></details>
</section>`;
}

/** The matrix measured on the wire, beside the prediction; absent when the audit did not probe. */
export function probedSection(matrix: ProbedMatrix | undefined): string {
  if (!matrix) return '';
  const head = matrix.namespaces.map((name) => `<th scope="col">${escapeHtml(name)}</th>`).join('');
  const rows = probedRows(matrix).map((row) => `<tr><th scope="row">${escapeHtml(row.from)}</th>${row.cells
    .map((cell) => `<td class="probed ${cell.state}">${escapeHtml(cell.text)}</td>`).join('')}</tr>`);
  const lines = disagreements(matrix);
  const list = lines.length === 0
    ? '<p id="probed-disagreements">Every measured attempt agreed with the NetworkPolicies.</p>'
    : `<ul id="probed-disagreements">${lines.map((line) => `<li>${escapeHtml(line)}</li>`).join('')}</ul>`;
  return `<section id="probed" aria-labelledby="probed-heading">
<h2 id="probed-heading">Measured on the wire</h2>
<p>Between ${escapeHtml(matrix.startedAt)} and ${escapeHtml(matrix.finishedAt)} a probe pod in each namespace, labelled as the tenant's app pods, tried to connect to a listening probe pod in every namespace on ${escapeHtml(matrix.ports.join(', '))}. A cell lists the ports that connected; <code>!</code> marks a port where the wire disagrees with the NetworkPolicies (<code>shut</code>: refused though allowed), <code>?</code> one without a measured answer, <code>-</code> nothing connected, as predicted.</p>
<table id="probed-matrix"><thead><tr><th scope="col">from \\ to</th>${head}</tr></thead><tbody>${rows.join('\n')}</tbody></table>
<h3>Disagreements</h3>
${list}
</section>`;
}
