/** The text report an operator reads in a terminal. */
import assert from 'node:assert/strict';
import { buildReport } from './build.js';
import { failed } from '../model.js';
import { sampleReportParts } from './sample-parts.js';
import { formatReportText } from './text.js';

describe('the text report', () => {
  it('prints totals, a line per tenant, findings with reason and message, flows and limitations', () => {
    const text = formatReportText(buildReport(sampleReportParts()));
    assert.match(text, /^Bulkhead audit: FAIL \(1 finding in 16 checks\)$/m);
    assert.match(text, /^ {2}initech {2}FAIL {2}4 pass, 1 fail, 0 error$/m);
    assert.match(text, /^ {2}acme {5}PASS {2}5 pass, 0 fail, 0 error$/m);
    assert.match(text, /FAIL {2}network {2}initech {2}network\.cross-tenant {2}CrossTenantFlowAllowed: tenant-acme may connect on TCP\/80/);
    assert.match(text, /tenant-acme -> tenant-initech: TCP\/80/);
    assert.match(text, /cannot prove that the cluster's network plugin enforces NetworkPolicy/);
  });

  it('prints a line per control: verdict, counts, tenants and checks; not covered with why; and the unmapped checks', () => {
    const text = formatReportText(buildReport(sampleReportParts()));
    assert.match(text, /^Controls covered \(SOC 2 TSC, ISO\/IEC 27001:2022 Annex A\):$/m);
    assert.match(text, /^ {2}ISO {3}8\.24 +PASS {2}3 pass, 0 fail, 0 error; 3 tenants; key\.policy$/m);
    assert.match(text, /^ {2}ISO {3}8\.22 +NOT COVERED {2}Segregation of networks$/m);
    assert.match(text, /^ {2}ISO {3}8\.15 +NOT COVERED {2}Logging: not claimed, .*audit-trail verify/m);
    assert.match(text, /^ {2}checks no control is mapped to: access\.secrets-readers, database\.cross-connect, network\.cross-tenant$/m);
  });

  it('never sends a control character from the cluster to the terminal', () => {
    const parts = sampleReportParts();
    parts.checks = [
      ...parts.checks,
      failed({
        id: 'access.secrets-readers',
        category: 'access',
        tenant: 'acme',
        title: 'Secrets readers',
        reason: 'ForeignSubjectCanReadSecrets',
        message: 'Group x can read secrets\u001b[2J',
        evidence: {},
      }),
    ];
    parts.inventory = { ...parts.inventory, keyAliases: [...(parts.inventory.keyAliases ?? []), 'evil\u001b]0;title\u0007'] };
    const text = formatReportText(buildReport(parts));
    assert.ok(!text.includes('\u001b'));
    assert.match(text, /can read secrets\\u001b\[2J/);
    assert.match(text, /evil\\u001b\]0;title\\u0007/);
  });
});
