/**
 * The tenants present over a window, from the fleet reports (scope `all`) only: a tenant-scoped
 * report shows one tenant and would make every other look offboarded.
 */
import type { SignedReport } from '../report/index.js';
import type { PeriodTenant } from './schema.js';

/** `reports` oldest first, each verified. */
export function tenantsOverPeriod(reports: readonly SignedReport[]): PeriodTenant[] {
  const fleet = reports.filter((report) => report.scope.kind === 'all');
  const first = fleet.at(0)?.generatedAt;
  const last = fleet.at(-1)?.generatedAt;
  const seen = new Map<string, { firstSeen: string; lastSeen: string }>();
  for (const report of fleet) {
    for (const { tenant } of report.summary.byTenant) {
      const sighting = seen.get(tenant) ?? { firstSeen: report.generatedAt, lastSeen: report.generatedAt };
      sighting.lastSeen = report.generatedAt;
      seen.set(tenant, sighting);
    }
  }
  return [...seen.entries()]
    .map(([tenant, { firstSeen, lastSeen }]) => ({
      tenant,
      firstSeen,
      lastSeen,
      onboarded: firstSeen !== first,
      offboarded: lastSeen !== last,
    }))
    .sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}
