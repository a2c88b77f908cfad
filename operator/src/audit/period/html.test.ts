/** The period page: every value from the reports escaped, nothing that runs or loads. */
import assert from 'node:assert/strict';
import { renderPeriodHtml } from './html.js';
import { periodSummary } from './signing.js';
import { periodReportFormat, type UnsignedPeriodReport } from './schema.js';

const hostile = '<img src=x onerror=alert(1)>';

function period(): UnsignedPeriodReport {
  const document: Omit<UnsignedPeriodReport, 'summary'> = {
    format: periodReportFormat,
    generatedAt: '2026-12-01T00:00:00.000Z',
    tool: { name: 'bulkhead', version: '0.0.0-test' },
    period: { from: '2026-11-01T00:00:00.000Z', to: '2026-12-01T00:00:00.000Z' },
    interval: { seconds: 3600, source: 'flag', gapSeconds: 5400 },
    trust: { given: ['a'.repeat(64)], rotations: [] },
    reports: [],
    chainFindings: [{ kind: 'unreadable', report: `audit-${hostile}.json`, message: `audit-${hostile}.json: not a report` }],
    findings: [
      {
        check: 'network.ingress',
        tenant: hostile,
        category: 'network',
        reasons: ['UndeclaredIngress'],
        firstSeen: '2026-11-02T00:00:00.000Z',
        lastSeen: '2026-11-02T01:00:00.000Z',
        sightings: 2,
        openAtStart: false,
        fixedAt: null,
        secondsToRemediate: null,
      },
    ],
    tenants: [],
  };
  return { ...document, summary: periodSummary(document) };
}

describe('period report page', () => {
  it('escapes names and messages from the reports, and has no script', () => {
    const page = renderPeriodHtml(period());
    assert.equal(page.includes(hostile), false, 'the raw markup reached the page');
    assert.match(page, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.doesNotMatch(page, /<script/i);
    assert.match(page, /<span class="verdict fail">FAIL<\/span>/);
    assert.match(page, /still open/);
  });
});
