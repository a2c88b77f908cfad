/** The CSV export: one row per check, RFC 4180 quoting, and no cell a spreadsheet would evaluate. */
import assert from 'node:assert/strict';
import { failed, passed } from '../model.js';
import { buildReport, generateSigningKey, loadPrivateKey, signReport } from '../report/index.js';
import { sampleReportParts } from '../report/sample-parts.js';
import { csvField, toCsv } from './csv.js';

/** A minimal RFC 4180 reader, enough to read back what toCsv wrote. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoted && character === '"' && text[index + 1] === '"') {
      field += '"';
      index += 1;
    } else if (character === '"') quoted = !quoted;
    else if (!quoted && character === ',') {
      row.push(field);
      field = '';
    } else if (!quoted && character === '\r' && text[index + 1] === '\n') {
      rows.push([...row, field]);
      row = [];
      field = '';
      index += 1;
    } else field += character;
  }
  return rows;
}

describe('the CSV export', () => {
  it('quotes every field and doubles quotes, keeping commas and line breaks inside the field (RFC 4180)', () => {
    assert.equal(csvField('plain'), '"plain"');
    assert.equal(csvField('say "no", twice\r\nthen'), '"say ""no"", twice\r\nthen"');
    assert.deepEqual(parseCsv(`${csvField('a,"b"\nc')},${csvField('')}\r\n`), [['a,"b"\nc', '']]);
  });

  it('prefixes a single quote to a cell a spreadsheet would read as a formula, and to nothing else', () => {
    for (const formula of ['=HYPERLINK("http://x")', '+cmd|"/c calc"!A1', '-2+3', '@SUM(A1)', '\t=1', '\r=1']) {
      assert.equal(parseCsv(`${csvField(formula)}\r\n`)[0]?.[0], `'${formula}`, JSON.stringify(formula));
    }
    for (const text of ['acme', 'a=b', 'x-1', ' =1', "'quoted"]) assert.equal(parseCsv(`${csvField(text)}\r\n`)[0]?.[0], text);
  });

  it('writes a header and one row per check result with time, id, kind, tenant, result, controls and detail', () => {
    const parts = sampleReportParts();
    parts.checks = [
      ...parts.checks,
      failed({
        id: 'network.external-ips',
        category: 'network',
        tenant: '=evil',
        title: 'No Service sets spec.externalIPs',
        reason: 'ExternalIPs',
        message: '@capture, "all" traffic\nfor 10.0.0.1',
        evidence: {},
      }),
      passed({ id: 'access.platform-subjects', category: 'access', title: 'Platform subjects', message: 'listed', evidence: {} }),
    ];
    parts.inventory = { ...parts.inventory, tenants: [...(parts.inventory.tenants ?? []), '=evil'] };
    const keys = generateSigningKey();
    const report = signReport(buildReport(parts), loadPrivateKey(keys.privateKey, 'private'));
    const text = toCsv(report);
    assert.ok(text.endsWith('\r\n'));
    const rows = parseCsv(text);
    assert.deepEqual(rows[0], ['report_time', 'check_id', 'category', 'tenant', 'result', 'reason', 'controls', 'title', 'detail']);
    assert.equal(rows.length, report.checks.length + 1);
    const external = rows.find((row) => row[1] === 'network.external-ips');
    assert.deepEqual(external, [
      '2026-11-27T03:00:00.000Z',
      'network.external-ips',
      'network',
      "'=evil",
      'fail',
      'ExternalIPs',
      'CC6.6 CC7.2 8.16 8.21',
      'No Service sets spec.externalIPs',
      `'@capture, "all" traffic\nfor 10.0.0.1`,
    ]);
    assert.equal(rows.find((row) => row[1] === 'key.policy')?.[6], 'CC6.1 8.3 8.24');
    assert.deepEqual(
      rows.find((row) => row[1] === 'access.platform-subjects')?.slice(3, 7),
      ['', 'pass', 'Verified', ''],
      'a fleet-wide check has no tenant; a record gives evidence for no control',
    );
  });

  // The pairings are read from the report at each export, not kept from an earlier one (decision
  // 0063): a report changed between two exports is exported as it is then.
  it('pairs checks with the controls of the report as it is at each export', () => {
    const keys = generateSigningKey();
    const report = signReport(buildReport(sampleReportParts()), loadPrivateKey(keys.privateKey, 'private'));
    const controlsOf = (id: string) => parseCsv(toCsv(report)).find((row) => row[1] === id)?.[6];
    assert.equal(controlsOf('key.policy'), 'CC6.1 8.3 8.24');
    for (const control of report.controls?.controls ?? []) control.checks = control.checks.filter((check) => check.id !== 'key.policy');
    assert.equal(controlsOf('key.policy'), '');
  });
});
