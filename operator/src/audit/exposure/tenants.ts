/**
 * Each tenant as the platform grants it, computed from the Tenants and plans rather than read from
 * the namespace (whose annotations the admission check compares with this): the host names it may
 * serve, as the operator decides them (resources/domains.ts), and whether its plan allows
 * ExternalName Services. A plan that does not exist allows nothing.
 */
import { namespaceName } from '../../api/names.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { Tenant } from '../../api/tenant.js';
import { claimantOf, domainSuffixes } from '../../controllers/tenant/domain-claims.js';
import { tenantDomains, type DomainClaimant } from '../../resources/domains.js';
import type { TenantExposure } from './model.js';

export function exposureTenants(
  tenants: readonly Tenant[],
  plans: readonly TenantPlan[],
  baseDomain: string | undefined,
): TenantExposure[] {
  const claims = claimsIndex(tenants.map(claimantOf));
  return tenants.map((tenant) => {
    const plan = plans.find((candidate) => candidate.metadata.name === tenant.spec.plan);
    const claimant = claimantOf(tenant);
    return {
      name: tenant.metadata.name,
      uid: tenant.metadata.uid ?? '',
      namespace: tenant.status?.namespace ?? namespaceName(tenant),
      domains: tenantDomains(claimant, claims.overlapping(claimant), baseDomain).granted,
      allowExternalNames: plan?.spec.network?.allowExternalNameServices ?? false,
    };
  });
}

/**
 * Which claimants may hold a domain overlapping a tenant's, in the fleet's order: those declaring a
 * domain under one of the same parents (domainSuffixes: two overlapping domains of two labels or
 * more share one), and any with a domain of one label, which has no such parent. Only these can
 * withhold a domain; passing every claimant for every tenant was tenants² (docs/decisions/0060).
 */
function claimsIndex(claimants: readonly DomainClaimant[]): { overlapping: (tenant: DomainClaimant) => DomainClaimant[] } {
  const bySuffix = new Map<string, number[]>();
  const declaring: number[] = [];
  const singleLabel: number[] = [];
  claimants.forEach((claimant, position) => {
    if (claimant.domains.length > 0) declaring.push(position);
    if (claimant.domains.some(oneLabel)) singleLabel.push(position);
    for (const suffix of new Set(claimant.domains.flatMap(domainSuffixes))) {
      const positions = bySuffix.get(suffix) ?? [];
      if (positions.length === 0) bySuffix.set(suffix, positions);
      positions.push(position);
    }
  });
  const inOrder = (positions: readonly number[]): DomainClaimant[] =>
    [...new Set(positions)].sort((a, b) => a - b).map((position) => claimants[position] as DomainClaimant);
  return {
    overlapping: (tenant) => {
      if (tenant.domains.length === 0) return [];
      if (tenant.domains.some(oneLabel)) return inOrder(declaring);
      const suffixes = [...new Set(tenant.domains.flatMap(domainSuffixes))];
      return inOrder([...singleLabel, ...suffixes.flatMap((suffix) => bySuffix.get(suffix) ?? [])]);
    },
  };
}

const oneLabel = (domain: string): boolean => !domain.includes('.');
