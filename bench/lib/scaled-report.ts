/**
 * A report of N tenants made from a real one (a `make bench-audit` report): its tenants' checks
 * repeated, renamed, to N tenants, and the reachability matrix of N isolated tenants (each
 * namespace's own cell and its cells to and from `(other)` as the template's first tenant has
 * them, nothing between tenants), in the template's form: every ordered pair (dense, before
 * decision 0056) or only the non-empty ones (sparse). The evidence that names every other tenant
 * namespace (`access.owner-other-tenants`) is grown to N when the template lists it. The memory
 * benches use it to size the audit's report at fleet sizes not run (docs/decisions/0039, 0051, 0056).
 */
import type { AuditCheck, ReachabilityMatrix } from '../../operator/src/audit/model.js';
import type { ReportParts, UnsignedReport } from '../../operator/src/audit/report/index.js';

const other = '(other)';

/** The matrix of `namespaces` (then `(other)`), isolated from each other, with the template's own and shared cells. */
function scaledMatrix(template: ReachabilityMatrix, namespaces: string[]): ReachabilityMatrix {
  const first = template.namespaces[0] ?? '';
  const allowed = (from: string, to: string): string[] =>
    template.cells.find((cell) => cell.from === from && cell.to === to)?.allowed ?? [];
  const pattern = { own: allowed(first, first), out: allowed(first, other), into: allowed(other, first), shared: allowed(other, other) };
  const probesOf = (from: string, to: string): string[] => {
    if (from === to) return from === other ? pattern.shared : pattern.own;
    if (to === other) return pattern.out;
    return from === other ? pattern.into : [];
  };
  const all = [...namespaces, other];
  const sparse = template.emptyCells !== undefined;
  const cells = all.flatMap((from) =>
    all.flatMap((to) => {
      const probes = probesOf(from, to);
      return sparse && probes.length === 0 ? [] : [{ from, to, allowed: [...probes] }];
    }),
  );
  return { namespaces: all, probes: template.probes, cells, ...(sparse ? { emptyCells: all.length * all.length - cells.length } : {}) };
}

/** A check renamed to `tenant`; a list of every other tenant namespace grown to all of `namespaces` but its own. */
function renamed(check: AuditCheck, tenant: string, namespaces: readonly string[]): AuditCheck {
  const copy = { ...structuredClone(check), tenant };
  const evidence = copy.evidence as { otherNamespaces?: unknown } | null;
  if (Array.isArray(evidence?.otherNamespaces)) evidence.otherNamespaces = namespaces.filter((name) => name !== `tenant-${tenant}`);
  return copy;
}

/** The report of `tenants` tenants, built from `from` (its signature dropped). */
export function scaledReport(from: UnsignedReport & { signature?: unknown }, tenants: number): UnsignedReport {
  const { signature: _signature, ...report } = from;
  const names = [...new Set(report.checks.flatMap((check) => (check.tenant ? [check.tenant] : [])))].sort();
  const byTenant = new Map<string, AuditCheck[]>();
  for (const check of report.checks) if (check.tenant) byTenant.set(check.tenant, [...(byTenant.get(check.tenant) ?? []), check]);
  const checks: AuditCheck[] = report.checks.filter((check) => !check.tenant);
  const tenantNames = Array.from({ length: tenants }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
  const namespaces = tenantNames.map((tenant) => `tenant-${tenant}`);
  for (const [i, tenant] of tenantNames.entries()) {
    const model = byTenant.get(names[i % names.length] ?? '') ?? [];
    for (const check of model) checks.push(renamed(check, tenant, namespaces));
  }
  const matrix = report.matrix ? scaledMatrix(report.matrix, namespaces) : null;
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
