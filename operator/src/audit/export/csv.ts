/**
 * A signed audit report as a flat CSV for spreadsheets: one row per check result with the report's
 * time, the check id, its category, tenant, result, reason, the controls it gives evidence for, and
 * what was found. RFC 4180: CRLF line ends, every field quoted, quotes doubled.
 *
 * Text from the cluster (a tenant name, a message) could start a formula in a spreadsheet
 * (`=HYPERLINK(...)`, `+cmd|...`): a cell starting with =, +, -, @, a tab or a carriage return is
 * prefixed with a single quote, so it is shown as text, never evaluated (OWASP's advice on CSV injection).
 */
import type { AuditCheck } from '../model.js';
import type { SignedReport } from '../report/schema.js';
import { reportControls, type ControlRef } from './common.js';

export const csvColumns = ['report_time', 'check_id', 'category', 'tenant', 'result', 'reason', 'controls', 'title', 'detail'] as const;

/** A field as RFC 4180 writes it, neutralised if a spreadsheet would read it as a formula. */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${safe.replace(/"/g, '""')}"`;
}

export function toCsv(report: SignedReport): string {
  const controlsOf = reportControls(report);
  const rows = report.checks.map((check) => row(report, check, controlsOf(check.id)));
  return [csvColumns as readonly string[], ...rows].map((fields) => `${fields.map(csvField).join(',')}\r\n`).join('');
}

function row(report: SignedReport, check: AuditCheck, controlRefs: readonly ControlRef[]): string[] {
  const controls = controlRefs.map((control) => control.id);
  return [
    report.generatedAt,
    check.id,
    check.category,
    check.tenant ?? '',
    check.result,
    check.reason,
    controls.join(' '),
    check.title,
    check.message,
  ];
}
