/**
 * A report of N tenants made from a real one (a `make bench-audit` report): its tenants' checks
 * repeated, renamed, to N tenants, and the full N×N reachability matrix (empty cells, as a fleet of
 * isolated tenants has). The memory benches use it to size the audit's report at fleet sizes not
 * run (docs/decisions/0039, 0051).
 */
import type { AuditCheck } from '../../operator/src/audit/model.js';
import type { ReportParts, UnsignedReport } from '../../operator/src/audit/report/index.js';

/** The report of `tenants` tenants, built from `from` (its signature dropped). */
export function scaledReport(from: UnsignedReport & { signature?: unknown }, tenants: number): UnsignedReport {
  const { signature: _signature, ...report } = from;
  const names = [...new Set(report.checks.flatMap((check) => (check.tenant ? [check.tenant] : [])))].sort();
  const byTenant = new Map<string, AuditCheck[]>();
  for (const check of report.checks) if (check.tenant) byTenant.set(check.tenant, [...(byTenant.get(check.tenant) ?? []), check]);
  const checks: AuditCheck[] = report.checks.filter((check) => !check.tenant);
  const namespaces: string[] = [];
  for (let i = 0; i < tenants; i += 1) {
    const tenant = `bench-${String(i).padStart(4, '0')}`;
    namespaces.push(`tenant-${tenant}`);
    const model = byTenant.get(names[i % names.length] ?? '') ?? [];
    for (const check of model) checks.push({ ...structuredClone(check), tenant });
  }
  const cells = namespaces.flatMap((from) => namespaces.map((to) => ({ from, to, allowed: [] as string[] })));
  const matrix = report.matrix ? { ...report.matrix, namespaces, cells } : null;
  return { ...report, checks, matrix };
}

/** The parts buildReport took to make such a report: its checks (the inventory's own left out, buildReport makes them), inputs and matrix. */
export function scaledParts(from: UnsignedReport & { signature?: unknown }, tenants: number): ReportParts {
  const report = scaledReport(from, tenants);
  const names = [...new Set(report.checks.flatMap((check) => (check.tenant ? [check.tenant] : [])))];
  return {
    generatedAt: new Date(report.generatedAt),
    cluster: report.cluster,
    scope: report.scope,
    assumptions: report.assumptions,
    inputs: report.inputs,
    checks: report.checks.filter((check) => check.category !== 'inventory'),
    inventory: { tenants: names, namespaces: names, databases: null, keyAliases: null },
    matrix: report.matrix,
    previous: report.previous,
    extraLimitations: report.limitations.slice(1),
    toolVersion: report.tool.version,
  };
}
