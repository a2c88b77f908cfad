/** The HTML report: escaping of everything from the cluster, and the sections an auditor reads. */
import assert from 'node:assert/strict';
import { failed } from '../model.js';
import { buildReport } from './build.js';
import { escapeHtml, printable } from './escape.js';
import { renderHtml } from './html.js';
import { sampleReportParts } from './sample-parts.js';
import { generateSigningKey, loadPrivateKey, signReport } from './signing.js';

const hostile = `<script>alert("x")</script><img src=x onerror='alert(1)'>&amp;`;

function hostileReport() {
  const parts = sampleReportParts();
  parts.checks = [
    ...parts.checks,
    failed({
      id: 'access.secrets-readers',
      category: 'access',
      tenant: 'acme',
      title: `Title ${hostile}`,
      reason: 'ForeignSubjectCanReadSecrets',
      message: `Group ${hostile} can read secrets\u001b[2J`,
      evidence: { subject: hostile },
    }),
  ];
  parts.cluster = { server: 'https://127.0.0.1:6443/"><script>x</script>', kubeSystemUid: `uid-${hostile}` };
  parts.inputs = [...parts.inputs, { apiVersion: 'v1', kind: 'Namespace', name: hostile, uid: 'u', resourceVersion: '1' }];
  parts.inventory = { ...parts.inventory, keyAliases: [...(parts.inventory.keyAliases ?? []), '<b>orphan"\'</b>'] };
  const matrix = parts.matrix;
  if (matrix) {
    const odd = `tenant-"><svg onload=alert(1)>`;
    matrix.namespaces = [...matrix.namespaces, odd];
    matrix.cells = [...matrix.cells, ...matrix.namespaces.map((to) => ({ from: odd, to, allowed: [`TCP/<80>`] }))];
    // Its column is empty in every other row: counted, not listed, in a sparse matrix.
    if (matrix.emptyCells !== undefined) matrix.emptyCells += matrix.namespaces.length - 1;
  }
  return buildReport(parts);
}

describe('escaping', () => {
  it('escapes the five HTML-significant characters and nothing else', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&</a> é`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt; é');
  });

  it('shows terminal control characters instead of sending them', () => {
    assert.equal(printable('ok\u001b[31mred\u0007\nline'), 'ok\\u001b[31mred\\u0007\\u000aline');
  });
});

describe('the HTML report', () => {
  const keys = generateSigningKey();
  const html = renderHtml(signReport(hostileReport(), loadPrivateKey(keys.privateKey, 'private')));

  it('contains no markup from the cluster: every tag, quote and ampersand it supplied is escaped', () => {
    assert.equal(html.match(/<script/gi), null);
    assert.ok(!html.includes('<img'));
    assert.ok(!html.includes('<svg onload'));
    assert.ok(!html.includes('<b>orphan'));
    assert.ok(!/onerror='/.test(html));
    assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;&amp;amp;'));
    assert.ok(html.includes('data-from="tenant-&quot;&gt;&lt;svg onload=alert(1)&gt;"'));
    // Only the page's own elements remain: a single svg, and no attribute the cluster could have opened.
    assert.equal(html.match(/<svg/g)?.length, 1);
  });

  it('forbids scripts and remote loads with a Content-Security-Policy and is one self-contained file', () => {
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">/);
    assert.ok(!/\b(src|href)=["']?(https?:|\/\/)/.test(html));
  });

  it('has the sections an auditor reads, with headings, table headers and a titled picture', () => {
    for (const id of ['summary', 'tenants', 'matrix', 'findings', 'controls', 'limitations', 'assumptions', 'checks', 'inputs']) {
      assert.match(html, new RegExp(`<section id="${id}" aria-labelledby="${id}-heading">`));
    }
    assert.match(html, /<span id="verdict" class="verdict fail">FAIL<\/span>/);
    assert.match(html, /<th scope="col">Tenant<\/th>/);
    assert.match(html, /<svg[^>]* role="img" aria-labelledby="matrix-title"[^>]*>\n<title id="matrix-title">/);
    assert.match(html, new RegExp(`keyId ${keys.keyId}`));
    assert.match(html, /cannot prove that the cluster&#39;s network plugin enforces NetworkPolicy/);
  });

  it('draws one cell per ordered pair of namespaces and flags the cross-tenant ones', () => {
    const report = buildReport(sampleReportParts());
    const page = renderHtml(report);
    assert.equal(page.match(/<g class="cell /g)?.length, 16);
    assert.deepEqual(
      [...page.matchAll(/<g class="cell cross-tenant" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => `${m[1]}>${m[2]}`),
      ['tenant-acme>tenant-initech'],
    );
    assert.equal(page.match(/<g class="cell own"/g)?.length, 4);
    assert.match(page, /<li><strong>tenant-acme → tenant-initech<\/strong>: TCP\/80<\/li>/);
  });

  it('lists every control with its result, checks and tenants, and the controls no check covers', () => {
    const parts = sampleReportParts();
    parts.checks = parts.checks.map((check) =>
      check.id === 'key.policy' && check.tenant === 'globex' ? { ...check, result: 'fail', reason: 'KeyPolicyGrantsOthers' } : check,
    );
    const page = renderHtml(buildReport(parts));
    const row = (id: string) => new RegExp(`<tr data-control="${id.replace('.', '\\.')}">(.*?)</tr>`).exec(page)?.[1] ?? '';
    assert.equal(page.match(/<tr data-control=/g)?.length, 22);
    assert.match(row('8.24'), /<td class="fail">FAIL<\/td><td class="number">2<\/td><td class="number">1<\/td><td class="number">0<\/td>/);
    assert.match(row('8.24'), /<li><span class="mono">key\.policy<\/span>: 2 pass, 1 fail, 0 error<\/li>/);
    assert.match(row('8.24'), /<summary>3<\/summary>acme, globex, initech/);
    assert.match(row('8.9'), /<td class="pass">PASS<\/td>/);
    assert.match(row('8.22'), /<td class="none">NOT COVERED<\/td><td colspan="5">No check of this report gives evidence for it\.<\/td>/);
    assert.match(row('CC6.8'), /Not claimed: the audit judges what pods may do/);
    assert.match(
      page,
      /Checks no control is mapped to: <span class="mono">access\.secrets-readers<\/span>, <span class="mono">database\.cross-connect<\/span>/,
    );
  });

  it('says so when the matrix could not be computed', () => {
    const parts = sampleReportParts();
    parts.matrix = null;
    assert.match(renderHtml(buildReport(parts)), /The matrix could not be computed/);
  });
});
