/**
 * The report's summary, derived from its checks alone: pass/fail/error counts per category and per
 * tenant, and the findings total. `verify` derives it again and refuses a report whose summary
 * disagrees with its checks, so the first thing an auditor reads cannot misstate the rest.
 */
import { isFinding, type AuditCheck } from '../model.js';
import { checkCategories, type ReportSummary, type ResultCounts } from './schema.js';

/** `tenants` are the tenants in scope, listed even when no check names them. */
export function summarize(checks: readonly AuditCheck[], tenants: readonly string[]): ReportSummary {
  const byCategory = Object.fromEntries(checkCategories.map((category) => [category, zero()])) as ReportSummary['byCategory'];
  const byTenant = new Map<string, ResultCounts>(tenants.map((tenant) => [tenant, zero()]));
  for (const check of checks) {
    byCategory[check.category][check.result] += 1;
    if (check.tenant === undefined) continue;
    const row = byTenant.get(check.tenant) ?? zero();
    row[check.result] += 1;
    byTenant.set(check.tenant, row);
  }
  const findings = checks.filter(isFinding).length;
  return {
    result: findings === 0 ? 'pass' : 'fail',
    checks: checks.length,
    findings,
    byCategory,
    byTenant: [...byTenant.entries()].sort(([a], [b]) => compareText(a, b)).map(([tenant, counts]) => ({ tenant, ...counts })),
  };
}

/** The tenants a per-tenant table lists: those in the summary, in its order. */
export function summaryTenants(summary: ReportSummary): string[] {
  return summary.byTenant.map((row) => row.tenant);
}

function zero(): ResultCounts {
  return { pass: 0, fail: 0, error: 0 };
}

/** Code-unit order, the same on every machine (localeCompare is not). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
