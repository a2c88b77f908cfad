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
 * Which claimants may hold a domain overlapping a tenant's, in the fleet's order. Two domains
 * overlap when they are equal or one lies under the other, so for a tenant's domain d they are
 * those declaring d or one of its parents (domainSuffixes), those declaring a domain under d, and
 * any declaring a domain of one label (which no parent list holds). Only these can withhold a
 * domain; passing every claimant for every tenant was tenants² (docs/decisions/0060), and so were
 * siblings under a common parent (`a.example.com` and `b.example.com` do not overlap).
 */
function claimsIndex(claimants: readonly DomainClaimant[]): { overlapping: (tenant: DomainClaimant) => DomainClaimant[] } {
  const declared = new Map<string, number[]>();
  const under = new Map<string, number[]>();
  const declaring: number[] = [];
  const singleLabel: number[] = [];
  claimants.forEach((claimant, position) => {
    if (claimant.domains.length > 0) declaring.push(position);
    if (claimant.domains.some(oneLabel)) singleLabel.push(position);
    for (const domain of new Set(claimant.domains)) file(declared, domain, position);
    for (const suffix of new Set(claimant.domains.flatMap(domainSuffixes))) file(under, suffix, position);
  });
  const inOrder = (positions: readonly number[]): DomainClaimant[] =>
    [...new Set(positions)].sort((a, b) => a - b).map((position) => claimants[position] as DomainClaimant);
  const overlappingOne = (domain: string): number[] => [
    ...domainSuffixes(domain).flatMap((parent) => declared.get(parent) ?? []),
    ...(under.get(domain) ?? []),
  ];
  return {
    overlapping: (tenant) => {
      if (tenant.domains.length === 0) return [];
      if (tenant.domains.some(oneLabel)) return inOrder(declaring);
      return inOrder([...singleLabel, ...tenant.domains.flatMap(overlappingOne)]);
    },
  };
}

function file(map: Map<string, number[]>, key: string, position: number): void {
  const positions = map.get(key) ?? [];
  if (positions.length === 0) map.set(key, positions);
  if (positions[positions.length - 1] !== position) positions.push(position);
}

const oneLabel = (domain: string): boolean => !domain.includes('.');
