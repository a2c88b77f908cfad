/**
 * The text form of a report, what an operator reads in a terminal: the verdict and totals, one
 * line per tenant, the findings with reason and message, cross-tenant flows and the limitations.
 * Cluster-supplied text goes through `printable`, so a tenant name cannot carry escape sequences.
 */
import { isFinding, type AuditCheck } from '../model.js';
import { printable } from './escape.js';
import { crossTenantCells } from './matrix-picture.js';
import { probedRows } from './probed-matrix.js';
import type { SignedReport, UnsignedReport } from './schema.js';

type Report = UnsignedReport | SignedReport;

export function formatReportText(report: Report): string {
  const lines = [
    ...heading(report),
    '',
    ...tenantLines(report),
    '',
    ...findingLines(report.checks),
    ...matrixLines(report),
    ...probedLines(report),
    ...controlLines(report),
    'Limitations:',
    ...report.limitations.map((sentence) => `  - ${printable(sentence)}`),
  ];
  return `${lines.join('\n')}\n`;
}

function heading(report: Report): string[] {
  const { summary, counts } = report;
  const count = (value: number | null) => (value === null ? '?' : String(value));
  return [
    `Bulkhead audit: ${summary.result.toUpperCase()} (${summary.findings} ${summary.findings === 1 ? 'finding' : 'findings'} in ${summary.checks} checks)`,
    `cluster:   ${printable(report.cluster.server)} (kube-system uid ${printable(report.cluster.kubeSystemUid)})`,
    `scope:     ${report.scope.kind === 'all' ? 'all tenants' : `tenant ${printable(report.scope.tenant)}`}`,
    `generated: ${report.generatedAt} by ${report.tool.name} ${printable(report.tool.version)}`,
    `signed:    ${'signature' in report ? `Ed25519, keyId ${report.signature.keyId}` : 'no'}`,
    `counts:    ${count(counts.tenants)} Tenants, ${count(counts.namespaces)} namespaces, ${count(counts.databases)} databases, ${count(counts.keyAliases)} key aliases; ${counts.mismatches.length} mismatches`,
    `inputs:    ${report.inputs.length} objects`,
  ];
}

function tenantLines(report: Report): string[] {
  const rows = report.summary.byTenant;
  if (rows.length === 0) return ['No tenants in scope.'];
  const width = Math.max(...rows.map((row) => printable(row.tenant).length));
  return [
    'Tenants:',
    ...rows.map((row) => {
      const verdict = row.fail + row.error > 0 ? 'FAIL' : row.pass === 0 ? 'NONE' : 'PASS';
      return `  ${printable(row.tenant).padEnd(width)}  ${verdict}  ${row.pass} pass, ${row.fail} fail, ${row.error} error`;
    }),
  ];
}

function findingLines(checks: readonly AuditCheck[]): string[] {
  const findings = checks.filter(isFinding);
  if (findings.length === 0) return ['Findings: none', ''];
  return [
    'Findings:',
    ...findings.map(
      (check) =>
        `  ${check.result.toUpperCase()}  ${check.category}  ${printable(check.tenant ?? '(fleet)')}  ${printable(check.id)}  ${printable(check.reason)}: ${printable(check.message)}`,
    ),
    '',
  ];
}

/** One line per control: its verdict and counts, how many tenants its checks named, and which checks. */
function controlLines(report: Report): string[] {
  const section = report.controls;
  if (!section) return [];
  const verdicts = { satisfied: 'PASS', 'not-satisfied': 'FAIL', 'not-covered': 'NOT COVERED' } as const;
  const width = Math.max(...section.controls.map((control) => control.id.length));
  const lines = section.controls.map((control) => {
    const head = `  ${(control.framework === 'SOC 2' ? 'SOC 2' : 'ISO').padEnd(5)} ${control.id.padEnd(width)}  ${verdicts[control.status]}`;
    if (control.status === 'not-covered')
      return `${head}  ${control.title}${control.notClaimed ? `: not claimed, ${control.notClaimed}` : ''}`;
    const checks = control.checks.map((check) => printable(check.id)).join(', ');
    return `${head}  ${control.pass} pass, ${control.fail} fail, ${control.error} error; ${control.tenants.length} tenants; ${checks}`;
  });
  const unmapped = section.unmapped.length === 0 ? [] : [`  checks no control is mapped to: ${section.unmapped.map(printable).join(', ')}`];
  return ['Controls covered (SOC 2 TSC, ISO/IEC 27001:2022 Annex A):', ...lines, ...unmapped, ''];
}

function matrixLines(report: Report): string[] {
  if (report.matrix === null) return ['Reachability matrix: not computed', ''];
  const flagged = crossTenantCells(report.matrix);
  if (flagged.length === 0)
    return [
      `Reachability: no tenant may reach another (${report.matrix.namespaces.length} namespaces, probes ${report.matrix.probes.join(', ')})`,
      '',
    ];
  return [
    'Cross-tenant flows allowed:',
    ...flagged.map((cell) => `  ${printable(cell.from)} -> ${printable(cell.to)}: ${printable(cell.allowed.join(', '))}`),
    '',
  ];
}

/** The matrix measured on the wire: rows send, columns listen; ports that connected, `!` where the policies disagree, `?` unanswered. */
export function probedLines(report: Report): string[] {
  const matrix = report.probed;
  if (!matrix) return [];
  const rows = probedRows(matrix);
  const names = matrix.namespaces.map(printable);
  const width = Math.max(4, ...rows.flatMap((row) => row.cells.map((cell) => cell.text.length)), ...names.map((name) => name.length));
  const first = Math.max(9, ...names.map((name) => name.length));
  const line = (head: string, cells: string[]) =>
    `  ${head.padEnd(first)}  ${cells.map((cell) => cell.padEnd(width)).join('  ')}`.trimEnd();
  return [
    `Probed on the wire ${matrix.startedAt} to ${matrix.finishedAt}, ${matrix.ports.join(', ')} (rows connect to columns; ! disagrees with the policies, ? no answer):`,
    line('from \\ to', names),
    ...rows.map((row, index) =>
      line(
        names[index] ?? '',
        row.cells.map((cell) => cell.text),
      ),
    ),
    '',
  ];
}
