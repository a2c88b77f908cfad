/**
 * Counts reconciled across sources: every Tenant should have exactly one namespace, one database
 * and one key alias, and nothing of those should exist without a Tenant. Each source lists the
 * tenant each of its items belongs to (the namespace's tenant label, the tenant a database or key
 * alias is named for), so a mismatch names the tenant, not just a number that differs.
 *
 * A source that could not be read is `null`: its count is unknown and that is an `error` check,
 * never a silent pass.
 */
import { errored, failed, passed, type AuditCheck } from '../model.js';
import type { ReportScope } from './schema.js';

/** For each source, the tenant name of every item it holds (a name twice means two items). */
export interface Inventory {
  tenants: string[] | null;
  namespaces: string[] | null;
  databases: string[] | null;
  keyAliases: string[] | null;
}

type SourceName = keyof Inventory;

const sourceLabels: Record<SourceName, string> = {
  tenants: 'Tenant objects',
  namespaces: 'tenant namespaces',
  databases: 'tenant databases',
  keyAliases: 'KMS key aliases',
};

/** What a per-tenant item is called in a message, and the reason suffix for its mismatches. */
const itemNames: Record<Exclude<SourceName, 'tenants'>, { item: string; reason: string }> = {
  namespaces: { item: 'namespace', reason: 'Namespace' },
  databases: { item: 'database', reason: 'Database' },
  keyAliases: { item: 'key alias', reason: 'KeyAlias' },
};

export interface Reconciliation {
  counts: Record<SourceName, number | null>;
  /** One check per mismatch (or unreadable source); a single passing check when all agree. */
  checks: AuditCheck[];
}

/** Restricts every source to the scope (one tenant's audit does not judge the others' inventory). */
export function inScope(inventory: Inventory, scope: ReportScope): Inventory {
  if (scope.kind === 'all') return inventory;
  const only = (names: string[] | null) => names?.filter((name) => name === scope.tenant) ?? null;
  return {
    tenants: only(inventory.tenants),
    namespaces: only(inventory.namespaces),
    databases: only(inventory.databases),
    keyAliases: only(inventory.keyAliases),
  };
}

export function reconcile(inventory: Inventory): Reconciliation {
  const counts = countsOf(inventory);
  const findings = [...unreadableSources(inventory), ...tenantMismatches(inventory)];
  if (findings.length > 0) return { counts, checks: findings };
  return {
    counts,
    checks: [
      passed({
        id: 'inventory.counts',
        category: 'inventory',
        title: 'Tenants, tenant namespaces, databases and key aliases correspond one to one',
        message: `${counts.tenants ?? 0} of each, for the same tenants`,
        evidence: counts,
      }),
    ],
  };
}

function countsOf(inventory: Inventory): Record<SourceName, number | null> {
  const count = (names: string[] | null) => names?.length ?? null;
  return {
    tenants: count(inventory.tenants),
    namespaces: count(inventory.namespaces),
    databases: count(inventory.databases),
    keyAliases: count(inventory.keyAliases),
  };
}

function unreadableSources(inventory: Inventory): AuditCheck[] {
  const unreadable = (Object.keys(sourceLabels) as SourceName[]).filter((source) => inventory[source] === null);
  return unreadable.map((source) =>
    errored({
      id: 'inventory.counts',
      category: 'inventory',
      title: `The ${sourceLabels[source]} could be counted`,
      reason: 'SourceUnavailable',
      message: `the ${sourceLabels[source]} could not be read, so they are not reconciled with the other sources`,
      evidence: { source },
    }),
  );
}

function tenantMismatches(inventory: Inventory): AuditCheck[] {
  const tenants = inventory.tenants;
  if (tenants === null) return [];
  const checks: AuditCheck[] = [];
  for (const source of ['namespaces', 'databases', 'keyAliases'] as const) {
    const items = inventory[source];
    if (items !== null) checks.push(...mismatchesOf(source, tenants, items));
  }
  return checks;
}

/** Missing (a Tenant without the item), duplicated (more than one) and orphaned (no such Tenant). */
function mismatchesOf(source: keyof typeof itemNames, tenants: string[], items: string[]): AuditCheck[] {
  const { item, reason } = itemNames[source];
  const known = new Set(tenants);
  const perTenant = tally(items);
  const check = (tenant: string, why: string, message: string) =>
    failed({
      id: 'inventory.counts',
      category: 'inventory',
      tenant,
      title: `Tenant ${tenant} has exactly one ${item}, and only a Tenant has one`,
      reason: why,
      message,
      evidence: { source, tenant, found: perTenant.get(tenant) ?? 0, tenantExists: known.has(tenant) },
    });
  const checks: AuditCheck[] = [];
  for (const tenant of [...known].sort()) {
    const found = perTenant.get(tenant) ?? 0;
    if (found === 0) checks.push(check(tenant, `Missing${reason}`, `Tenant ${tenant} has no ${item}`));
    if (found > 1) checks.push(check(tenant, `Duplicate${reason}`, `Tenant ${tenant} has ${found} ${sourceLabels[source]}`));
  }
  for (const tenant of [...perTenant.keys()].filter((name) => !known.has(name)).sort()) {
    checks.push(check(tenant, `Orphaned${reason}`, `a ${item} exists for ${tenant}, but no Tenant of that name`));
  }
  return checks;
}

function tally(names: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return counts;
}
