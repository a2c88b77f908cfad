/** html`...` escapes what it interpolates unless it was built as markup. */
import assert from 'node:assert/strict';
import { failed } from '../model.js';
import { buildReport } from './build.js';
import { renderHtml } from './html.js';
import { html, joinHtml, raw } from './html-template.js';
import { sampleReportParts } from './sample-parts.js';

const script = `<script>alert("x")</script>`;
const quoted = `a" onmouseover='steal()'`;

describe('html`...`', () => {
  it('escapes an interpolated string in text and in an attribute value', () => {
    const markup = html`<td title="${quoted}">${script}</td>`.toString();
    assert.equal(markup, '<td title="a&quot; onmouseover=&#39;steal()&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>');
  });

  it('inserts a nested template as markup, escaping its values once', () => {
    const inner = html`<b>${'<i>'}</b>`;
    assert.equal(html`<p>${inner}</p>`.toString(), '<p><b>&lt;i&gt;</b></p>');
  });

  it('escapes every element of an array and joins them without a separator', () => {
    assert.equal(html`<ul>${['<a>', html`<li>${'&'}</li>`, 7]}</ul>`.toString(), '<ul>&lt;a&gt;<li>&amp;</li>7</ul>');
    assert.equal(joinHtml(['<x>', html`<br>`], '\n').toString(), '&lt;x&gt;\n<br>');
  });

  it('inserts raw() markup as it is, and only that', () => {
    assert.equal(html`<style>${raw('a > b { font-family: "x" }')}</style>`.toString(), '<style>a > b { font-family: "x" }</style>');
  });
});

describe('the HTML report, given a hostile tenant name and finding', () => {
  const tenant = `${script}"'`;
  const parts = sampleReportParts();
  parts.checks = [
    ...parts.checks,
    failed({
      id: 'access.secrets-readers',
      category: 'access',
      tenant,
      title: `Readers of ${script}`,
      reason: 'ForeignSubjectCanReadSecrets',
      message: `User "${quoted}" ${script}`,
      evidence: { subject: quoted },
    }),
  ];
  const page = renderHtml(buildReport(parts));

  it('shows the tenant name escaped in the per-tenant row, its data attribute and the findings', () => {
    const escapedTenant = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&quot;&#39;';
    assert.ok(page.includes(`<tr data-tenant="${escapedTenant}"><th scope="row">${escapedTenant}</th>`));
    assert.ok(page.includes(`<td>${escapedTenant}</td><td><span class="mono">access.secrets-readers</span>`));
  });

  it('shows the finding text escaped and lets no script or injected attribute through', () => {
    assert.ok(page.includes('<td>User &quot;a&quot; onmouseover=&#39;steal()&#39;&quot; &lt;script&gt;'));
    assert.equal(page.match(/<script/gi), null);
    assert.ok(!page.includes("onmouseover='"));
  });
});
