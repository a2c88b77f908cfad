/**
 * The signed audit report as an auditor receives it: the HTML opened in a real browser (Debian's
 * Chromium driven by playwright-core) shows the verdict, the per-tenant results, the reachability
 * matrix with the cross-tenant flow flagged and the limitations; and `bulkhead audit verify`, run
 * as the command an auditor types, accepts the report and refuses it with one byte changed.
 *
 * No cluster is needed to render a report; this spec is in the integration suite because it starts
 * a browser.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import {
  buildReport,
  loadPrivateKey,
  networkEnforcementLimitation,
  renderHtml,
  saveReport,
  signReport,
  type SignedReport,
} from '../../src/audit/report/index.js';
import { sampleReportParts } from '../../src/audit/report/sample-parts.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const resultsDir = join(repoRoot, '.bulkhead', 'test-results');
const screenshotPath = join(resultsDir, 'audit-report.png');

interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** `bulkhead ...` exactly as an auditor runs it from a checkout. */
function bulkhead(...args: string[]): CommandResult {
  const result = spawnSync(process.execPath, [join(repoRoot, 'operator/bin/bulkhead.js'), ...args], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('the signed audit report, as an auditor receives it', function () {
  let work: string;
  let reportPath: string;
  let publicKeyPath: string;
  let report: SignedReport;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  before(async function () {
    work = mkdtempSync(join(tmpdir(), 'bulkhead-audit-report-'));
    const keygen = bulkhead('audit', 'keygen', '--out', join(work, 'keys'));
    assert.equal(keygen.status, 0, keygen.stderr);
    publicKeyPath = join(work, 'keys', 'audit-signing.pub.pem');
    const privateKey = loadPrivateKey(readFileSync(join(work, 'keys', 'audit-signing.key')), 'audit-signing.key');
    report = signReport(buildReport(sampleReportParts()), privateKey);
    reportPath = saveReport(join(work, 'reports'), report).path;

    const htmlPath = join(work, 'audit-report.html');
    writeFileSync(htmlPath, renderHtml(report));
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(pathToFileURL(htmlPath).href);
  });

  after(async function () {
    await browser?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('shows the verdict and the summary: FAIL, counts, cluster, time, tool and signing key', async function () {
    assert.equal(await page.title(), 'Tenant isolation audit, 2026-11-27T03:00:00.000Z');
    assert.equal(await page.locator('#verdict').innerText(), 'FAIL');
    assert.equal(await page.locator('#verdict-detail').innerText(), '1 finding in 16 checks');
    const fact = (name: string) => page.locator(`#summary dd[data-fact="${name}"]`).innerText();
    assert.equal(await fact('Checks'), '16');
    assert.equal(await fact('Findings (fail or error)'), '1');
    assert.equal(await fact('Cluster'), 'https://127.0.0.1:6443');
    assert.equal(await fact('Generated'), '2026-11-27T03:00:00.000Z');
    assert.match(await fact('Tool'), /^bulkhead \d+\.\d+\.\d+/);
    assert.equal(await fact('Signature'), `Ed25519, keyId ${report.signature.keyId}`);
    assert.equal(await fact('Inputs'), '9 objects read');
    assert.equal(await page.locator('#counts tbody tr').count(), 4);
  });

  it('lists one row per tenant with its result, only initech failing', async function () {
    const rows = page.locator('#tenant-results tbody tr');
    assert.equal(await rows.count(), 3);
    const cells: string[][] = [];
    for (const row of await rows.all()) cells.push(await row.locator('th, td').allInnerTexts());
    assert.deepEqual(cells, [
      ['acme', 'PASS', '5', '0', '0'],
      ['globex', 'PASS', '5', '0', '0'],
      ['initech', 'FAIL', '4', '1', '0'],
    ]);
    assert.match(await page.locator('#findings-table tbody').innerText(), /CrossTenantFlowAllowed/);
  });

  it('draws the matrix, one visible cell per ordered pair of namespaces, the cross-tenant flow flagged', async function () {
    const matrix = page.locator('svg#reachability-matrix');
    assert.ok(await matrix.isVisible());
    assert.match((await matrix.locator('title#matrix-title').textContent()) ?? '', /1 cross-tenant flow allowed/);
    assert.equal(await matrix.locator('g.cell').count(), 4 * 4);
    const flagged = matrix.locator('g.cell[data-state="cross-tenant"]');
    assert.equal(await flagged.count(), 1);
    assert.equal(await flagged.getAttribute('data-from'), 'tenant-acme');
    assert.equal(await flagged.getAttribute('data-to'), 'tenant-initech');
    assert.equal(await flagged.locator('text').textContent(), '! TCP/80');
    const box = await flagged.boundingBox();
    assert.ok(box && box.width > 20 && box.height > 20, 'the flagged cell is drawn');
    const fill: unknown = await page.evaluate(`getComputedStyle(document.querySelector('g.cell.cross-tenant rect')).fill`);
    assert.equal(fill, 'rgb(198, 40, 40)');
    assert.equal(await matrix.locator('g.legend-entry').count(), 5);
    assert.equal(await page.locator('#cross-tenant-flows li').innerText(), 'tenant-acme → tenant-initech: TCP/80');
  });

  it('shows the controls covered: each control with its result, counts, checks and tenants, and those not covered', async function () {
    const rows = page.locator('#controls-table tbody tr');
    assert.equal(await rows.count(), 22);
    const row = (id: string) => page.locator(`#controls-table tr[data-control="${id}"]`);
    const cells = await row('8.24').locator('th, td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 6), ['ISO/IEC 27001:2022', '8.24 Use of cryptography', 'PASS', '3', '0', '0']);
    assert.equal(cells[6], 'key.policy: 3 pass, 0 fail, 0 error');
    assert.ok(await row('8.24').locator('details').isVisible());
    assert.match(await row('8.22').innerText(), /NOT COVERED\s+No check of this report gives evidence for it\./);
    assert.match(await row('8.15').innerText(), /Not claimed: .*audit-trail verify/);
    assert.match(await page.locator('#controls-unmapped').innerText(), /network\.cross-tenant/);
  });

  it('exports the verified report as OSCAL and CSV with `bulkhead audit export`, and refuses it with one byte changed', function () {
    const oscal = bulkhead('audit', 'export', '--report', reportPath, '--public-key', publicKeyPath);
    assert.equal(oscal.status, 0, oscal.stderr);
    assert.match(oscal.stdout, /"oscal-version": "1\.1\.3"/);
    const csvPath = join(work, 'checks.csv');
    const csv = bulkhead('audit', 'export', '--report', reportPath, '--public-key', publicKeyPath, '-o', 'csv', '--out', csvPath);
    assert.equal(csv.status, 0, csv.stderr);
    assert.equal(readFileSync(csvPath, 'utf8').split('\r\n').length, 18);
    const changed = join(work, 'changed.json');
    const bytes = readFileSync(reportPath);
    bytes[200] = (bytes[200] ?? 0) ^ 1;
    writeFileSync(changed, bytes);
    const refused = bulkhead('audit', 'export', '--report', changed, '--public-key', publicKeyPath);
    assert.equal(refused.status, 1);
    assert.equal(refused.stdout, '');
    assert.match(refused.stderr, /^not exported: .*changed\.json: /);
  });

  it('says what the audit cannot prove', async function () {
    const limitations = await page.locator('#limitations li').allInnerTexts();
    assert.ok(limitations.includes(networkEnforcementLimitation), limitations.join('\n'));
    assert.equal(await page.locator('#limitations h2').innerText(), 'What this audit cannot prove');
  });

  it('runs no script and loads nothing, and renders to a screenshot', async function () {
    assert.deepEqual(pageErrors, []);
    mkdirSync(resultsDir, { recursive: true });
    await page.screenshot({ path: screenshotPath, fullPage: true });
    const png = readFileSync(screenshotPath);
    assert.ok(statSync(screenshotPath).size > 10_000, `screenshot is only ${png.length} bytes`);
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(png.readUInt32BE(16) >= 1200 && png.readUInt32BE(20) > 900, 'a full-page image of the report');
  });

  it('verifies with `bulkhead audit verify` and fails with one byte changed', function () {
    const good = bulkhead('audit', 'verify', reportPath, '--public-key', publicKeyPath);
    assert.equal(good.status, 0, good.stderr);
    assert.match(
      good.stdout,
      new RegExp(`^signature valid: keyId ${report.signature.keyId}, generated 2026-11-27T03:00:00.000Z, 16 checks, 1 findings`),
    );

    const bytes = readFileSync(reportPath);
    const position = bytes.indexOf('"result":"fail"') + '"result":"'.length;
    bytes[position] = 'p'.charCodeAt(0); // "fail" becomes "pail": one byte
    const tamperedPath = join(work, 'tampered.json');
    writeFileSync(tamperedPath, bytes);
    const tampered = bulkhead('audit', 'verify', tamperedPath, '--public-key', publicKeyPath);
    assert.equal(tampered.status, 1);
    assert.match(tampered.stderr, /^signature invalid: /);

    const chain = bulkhead('audit', 'verify', '--chain', join(work, 'reports'), '--key-id', report.signature.keyId);
    assert.equal(chain.status, 0, chain.stderr);
  });
});
