/** The probed matrix in the signed report, its text and its page; the limitation it replaces. */
import assert from 'node:assert/strict';
import type { ProbedMatrix } from '../wire/model.js';
import { buildReport } from './build.js';
import { renderHtml } from './html.js';
import { networkEnforcementLimitation } from './limitations.js';
import { probedCellText } from './probed-matrix.js';
import { sampleReportParts } from './sample-parts.js';
import { unsignedReportSchema } from './schema.js';
import { formatReportText } from './text.js';

const namespaces = ['tenant-acme', 'tenant-globex'];
const probed: ProbedMatrix = {
  startedAt: '2026-12-06T04:00:00.000Z',
  finishedAt: '2026-12-06T04:00:09.000Z',
  namespaces,
  ports: ['tcp/8080'],
  cells: namespaces.flatMap((from) =>
    namespaces.map((to) => ({
      from,
      to,
      predicted: from === to ? ['tcp/8080'] : [],
      observed: from === to || (from === 'tenant-acme' && to === 'tenant-globex') ? ['tcp/8080'] : [],
      unknown: [],
    })),
  ),
};

describe('the probed matrix in the report', () => {
  it('marks agreement, disagreement both ways and missing answers', () => {
    assert.deepEqual(probedCellText({ from: 'a', to: 'b', predicted: ['tcp/80'], observed: ['tcp/80'], unknown: [] }, ['tcp/80']), {
      text: '80',
      state: 'agree',
    });
    assert.deepEqual(probedCellText({ from: 'a', to: 'b', predicted: [], observed: [], unknown: [] }, ['tcp/80']), {
      text: '-',
      state: 'agree',
    });
    assert.deepEqual(probedCellText({ from: 'a', to: 'b', predicted: [], observed: ['tcp/80'], unknown: [] }, ['tcp/80']), {
      text: '80!',
      state: 'mismatch',
    });
    assert.deepEqual(probedCellText({ from: 'a', to: 'b', predicted: ['tcp/80'], observed: [], unknown: [] }, ['tcp/80']), {
      text: 'shut 80!',
      state: 'mismatch',
    });
    assert.deepEqual(probedCellText({ from: 'a', to: 'b', predicted: [], observed: [], unknown: ['tcp/80'] }, ['tcp/80']), {
      text: '80?',
      state: 'unknown',
    });
  });

  it('is carried by the report, and what was measured replaces "cannot prove enforcement"', () => {
    const report = buildReport({ ...sampleReportParts(), probed, measuredEnforcement: 'Enforcement was measured between then and then.' });
    assert.ok(unsignedReportSchema.safeParse(report).success);
    assert.deepEqual(report.probed, probed);
    assert.ok(!report.limitations.includes(networkEnforcementLimitation));
    assert.ok(report.limitations.includes('Enforcement was measured between then and then.'));
    const plain = buildReport(sampleReportParts());
    assert.equal('probed' in plain, false, 'a report without probes has no probed field');
    assert.ok(plain.limitations.includes(networkEnforcementLimitation));
  });

  it('prints the matrix in the text and on the page, the disagreement flagged', () => {
    const report = buildReport({ ...sampleReportParts(), probed });
    const text = formatReportText(report);
    assert.match(text, /^Probed on the wire 2026-12-06T04:00:00.000Z to 2026-12-06T04:00:09.000Z, tcp\/8080/m);
    assert.match(text, /^ {2}tenant-acme +8080 +8080!$/m);
    assert.match(text, /^ {2}tenant-globex +- +8080$/m);
    const html = renderHtml(report);
    assert.match(html, /<section id="probed"/);
    assert.match(html, /<td class="probed mismatch">8080!<\/td>/);
    assert.match(html, /<li>tenant-acme -&gt; tenant-globex: 8080!<\/li>/);
  });
});
