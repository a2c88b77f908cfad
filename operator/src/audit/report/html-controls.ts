/**
 * The "Controls covered" section of the HTML report: per control of the catalogue, its verdict,
 * the checks that give evidence for it with their counts, and the tenants they named. Built with
 * html`...`, which escapes every interpolated string.
 */
import { html, joinHtml, type Html } from './html-template.js';
import type { ControlsCovered } from './schema.js';

type Coverage = ControlsCovered['controls'][number];

const verdicts = { satisfied: ['pass', 'PASS'], 'not-satisfied': ['fail', 'FAIL'], 'not-covered': ['none', 'NOT COVERED'] } as const;

export function controlsSection(section: ControlsCovered | undefined): Html {
  const heading = html`<h2 id="controls-heading">Controls covered</h2>`;
  if (!section) {
    return html`<section id="controls" aria-labelledby="controls-heading">${heading}<p>This report was written before reports listed the controls their checks give evidence for.</p></section>`;
  }
  const unmapped =
    section.unmapped.length === 0
      ? html``
      : html`<p id="controls-unmapped">Checks no control is mapped to: ${section.unmapped.map((id, index) => html`${index === 0 ? '' : ', '}<span class="mono">${id}</span>`)}</p>`;
  return html`<section id="controls" aria-labelledby="controls-heading">
${heading}
<p>Each control of SOC 2 (Trust Services Criteria) and ISO/IEC 27001:2022 Annex A that the audit's checks give evidence for, as docs/auditors.md maps them: PASS when every such check passed, FAIL when one failed or could not be carried out, NOT COVERED when no check of this report gives evidence for it. A pass is evidence that the control operated at the time of this report, not over a period.</p>
<table id="controls-table"><thead><tr><th scope="col">Framework</th><th scope="col">Control</th><th scope="col">Result</th><th scope="col">Pass</th><th scope="col">Fail</th><th scope="col">Error</th><th scope="col">Checks</th><th scope="col">Tenants</th></tr></thead>
<tbody>${joinHtml(section.controls.map(controlRow), '\n')}</tbody></table>
${unmapped}
</section>`;
}

function controlRow(control: Coverage): Html {
  const [result, label] = verdicts[control.status];
  const head = html`<td>${control.framework}</td><th scope="row"><span class="mono">${control.id}</span> ${control.title}</th><td class="${result}">${label}</td>`;
  if (control.status === 'not-covered') {
    const why = control.notClaimed ? `Not claimed: ${control.notClaimed}` : 'No check of this report gives evidence for it.';
    return html`<tr data-control="${control.id}">${head}<td colspan="5">${why}</td></tr>`;
  }
  const checks = control.checks.map(
    (check) => html`<li><span class="mono">${check.id}</span>: ${check.pass} pass, ${check.fail} fail, ${check.error} error</li>`,
  );
  const tenants =
    control.tenants.length === 0
      ? html`fleet-wide checks only`
      : html`<details><summary>${control.tenants.length}</summary>${control.tenants.join(', ')}</details>`;
  return html`<tr data-control="${control.id}">${head}<td class="number">${control.pass}</td><td class="number">${control.fail}</td><td class="number">${control.error}</td><td><ul class="checks">${checks}</ul></td><td>${tenants}</td></tr>`;
}
