/**
 * The evidence sections of the HTML report: the reachability matrix, findings, limitations,
 * assumptions, every check with its evidence, and the objects read. Built with html`...`, which
 * escapes every interpolated string.
 */
import { isFinding, type AuditCheck, type InputObject, type JsonValue, type ReachabilityMatrix } from '../model.js';
import { html, joinHtml, type Html } from './html-template.js';
import type { ProbedMatrix } from '../wire/model.js';
import { cellStateCounts, cellStyles, crossTenantCells, matrixSvg, namespacesDrawn } from './matrix-picture.js';
import { disagreements, probedRows } from './probed-matrix.js';

export function matrixSection(matrix: ReachabilityMatrix | null): Html {
  const heading = html`<h2 id="matrix-heading">Reachability between tenants</h2>`;
  if (matrix === null) {
    return html`<section id="matrix" aria-labelledby="matrix-heading">${heading}<p>The matrix could not be computed; the network checks say why.</p></section>`;
  }
  const flagged = crossTenantCells(matrix);
  const list =
    flagged.length === 0
      ? html`<p id="cross-tenant-flows">No tenant namespace may open a connection to another tenant namespace.</p>`
      : html`<ul id="cross-tenant-flows">${flagged.map((cell) => html`<li><strong>${cell.from} → ${cell.to}</strong>: ${cell.allowed.join(', ')}</li>`)}</ul>`;
  return html`<section id="matrix" aria-labelledby="matrix-heading">
${heading}
<p>Rows are the source namespace, columns the destination; a cell lists the probes (${matrix.probes.join(', ')}) some pod of the row may open to some pod of the column, as the NetworkPolicies allow. <code>(other)</code> is every namespace that is not a tenant's.</p>
${matrixPicture(matrix)}
<p>The picture is computed from the NetworkPolicies' meaning, not measured with traffic: it holds only if the network plugin enforces NetworkPolicy (see below).</p>
<h3>Cross-tenant flows allowed</h3>
${list}
</section>`;
}

/** The picture, or for a fleet too large to draw, how many ordered pairs are in each state. */
function matrixPicture(matrix: ReachabilityMatrix): Html {
  if (matrix.namespaces.length <= namespacesDrawn) return html`<div class="matrix">${matrixSvg(matrix)}</div>`;
  const counts = cellStateCounts(matrix);
  const states = (['cross-tenant', 'own', 'shared', 'denied', 'unknown'] as const).filter((state) => counts[state] > 0);
  return html`<p id="matrix-counts">${matrix.namespaces.length} namespaces are too many to draw (more than ${namespacesDrawn}); of their ${matrix.namespaces.length * matrix.namespaces.length} ordered pairs:</p>
<ul>${states.map((state) => html`<li data-state="${state}">${counts[state]} ${cellStyles[state].label}</li>`)}</ul>`;
}

export function findingsSection(checks: readonly AuditCheck[]): Html {
  const findings = checks.filter(isFinding);
  const body =
    findings.length === 0
      ? html`<p>No findings: every check passed.</p>`
      : html`<table id="findings-table"><caption>${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}</caption>
<thead><tr><th scope="col">Result</th><th scope="col">Category</th><th scope="col">Tenant</th><th scope="col">Check</th><th scope="col">Reason</th><th scope="col">What was found</th></tr></thead>
<tbody>${joinHtml(findings.map(findingRow), '\n')}</tbody></table>`;
  return html`<section id="findings" aria-labelledby="findings-heading">
<h2 id="findings-heading">Findings</h2>
<p>A <em>fail</em> is a verified problem; an <em>error</em> is a check that could not be carried out, which is a finding too: it was not verified.</p>
${body}
</section>`;
}

function findingRow(check: AuditCheck): Html {
  return html`<tr><td class="${check.result}">${check.result.toUpperCase()}</td><td>${check.category}</td><td>${check.tenant ?? '(fleet)'}</td><td><span class="mono">${check.id}</span><br>${check.title}</td><td class="mono">${check.reason}</td><td>${check.message}</td></tr>`;
}

export function limitationsSection(limitations: readonly string[]): Html {
  return html`<section id="limitations" aria-labelledby="limitations-heading">
<h2 id="limitations-heading">What this audit cannot prove</h2>
<ul class="limitations">${joinHtml(
    limitations.map((sentence) => html`<li>${sentence}</li>`),
    '\n',
  )}</ul>
</section>`;
}

export function assumptionsSection(assumptions: Record<string, JsonValue>): Html {
  const rows = Object.entries(assumptions).map(
    ([name, value]) => html`<tr><th scope="row" class="mono">${name}</th><td class="mono">${JSON.stringify(value)}</td></tr>`,
  );
  return html`<section id="assumptions" aria-labelledby="assumptions-heading">
<h2 id="assumptions-heading">Assumptions of the network analysis</h2>
<p>Behaviour the NetworkPolicy specification leaves to the network plugin; the defaults are the worst case for isolation.</p>
<table><thead><tr><th scope="col">Assumption</th><th scope="col">Value</th></tr></thead><tbody>${rows}</tbody></table>
</section>`;
}

export function checksSection(checks: readonly AuditCheck[]): Html {
  const items = checks.map(
    (
      check,
    ) => html`<details><summary><span class="mono">${check.result.toUpperCase()}</span> ${check.tenant ?? '(fleet)'}: ${check.title}</summary>
<p><span class="mono">${check.id}</span>, ${check.reason}: ${check.message}</p>
<pre>${JSON.stringify(check.evidence, null, 2)}</pre></details>`,
  );
  return html`<section id="checks" aria-labelledby="checks-heading">
<h2 id="checks-heading">All checks and their evidence</h2>
${joinHtml(items, '\n')}
</section>`;
}

export function inputsSection(inputs: readonly InputObject[]): Html {
  const rows = inputs.map(
    (input) =>
      html`<tr><td>${input.apiVersion}</td><td>${input.kind}</td><td>${input.namespace ?? ''}</td><td>${input.name}</td><td class="mono">${input.uid}</td><td class="mono">${input.resourceVersion}</td></tr>`,
  );
  return html`<section id="inputs" aria-labelledby="inputs-heading">
<h2 id="inputs-heading">Inputs</h2>
<p id="inputs-count">${inputs.length} objects read, each named by uid and resourceVersion so the audit can be repeated against the same state.</p>
<details><summary>The objects</summary>
<table><thead><tr><th scope="col">apiVersion</th><th scope="col">Kind</th><th scope="col">Namespace</th><th scope="col">Name</th><th scope="col">uid</th><th scope="col">resourceVersion</th></tr></thead>
<tbody>${joinHtml(rows, '\n')}</tbody></table></details>
</section>`;
}

/** The matrix measured on the wire, beside the prediction; absent when the audit did not probe. */
export function probedSection(matrix: ProbedMatrix | undefined): Html {
  if (!matrix) return html``;
  const head = matrix.namespaces.map((name) => html`<th scope="col">${name}</th>`);
  const rows = probedRows(matrix).map(
    (row) =>
      html`<tr><th scope="row">${row.from}</th>${row.cells.map((cell) => html`<td class="probed ${cell.state}">${cell.text}</td>`)}</tr>`,
  );
  const lines = disagreements(matrix);
  const list =
    lines.length === 0
      ? html`<p id="probed-disagreements">Every measured attempt agreed with the NetworkPolicies.</p>`
      : html`<ul id="probed-disagreements">${lines.map((line) => html`<li>${line}</li>`)}</ul>`;
  return html`<section id="probed" aria-labelledby="probed-heading">
<h2 id="probed-heading">Measured on the wire</h2>
<p>Between ${matrix.startedAt} and ${matrix.finishedAt} a probe pod in each namespace, labelled as the tenant's app pods, tried to connect to a listening probe pod in every namespace on ${matrix.ports.join(', ')}. A cell lists the ports that connected; <code>!</code> marks a port where the wire disagrees with the NetworkPolicies (<code>shut</code>: refused though allowed), <code>?</code> one without a measured answer, <code>-</code> nothing connected, as predicted.</p>
<table id="probed-matrix"><thead><tr><th scope="col">from \\ to</th>${head}</tr></thead><tbody>${joinHtml(rows, '\n')}</tbody></table>
<h3>Disagreements</h3>
${list}
</section>`;
}
