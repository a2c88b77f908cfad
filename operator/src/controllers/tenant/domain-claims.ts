/**
 * Which tenants claim host names that overlap a given tenant's, found through an index of the
 * Tenant cache rather than a scan of the fleet: each declared domain is indexed under itself and
 * every parent of two labels or more, so `shop.acme.com` is found from `acme.com` and the other
 * way round. The pure rule of who gets a domain is in resources/domains.ts.
 */
import type { Tenant } from '../../api/tenant.js';
import { domainsOverlap, tenantDomains, type DomainClaimant, type TenantDomains } from '../../resources/domains.js';
import type { Store } from '../../runtime/store.js';

const byDomainSuffix = 'domainSuffix';

/** The domain and its parents down to two labels: a.b.example.com → [a.b.example.com, b.example.com, example.com]. */
export function domainSuffixes(domain: string): string[] {
  const labels = domain.split('.');
  return labels.slice(0, -1).map((_, index) => labels.slice(index).join('.'));
}

export const claimantOf = (tenant: Tenant): DomainClaimant => ({
  name: tenant.metadata.name,
  ...(tenant.metadata.creationTimestamp ? { creationTimestamp: tenant.metadata.creationTimestamp } : {}),
  domains: tenant.spec.network?.domains ?? [],
});

export class DomainClaims {
  constructor(
    private readonly tenants: Store<Tenant>,
    private readonly baseDomain?: string,
  ) {
    tenants.addIndexer(byDomainSuffix, (tenant) => [...new Set((tenant.spec.network?.domains ?? []).flatMap(domainSuffixes))]);
  }

  /** The tenant's granted and withheld domains, judged against every tenant whose claims overlap. */
  of(tenant: Tenant): TenantDomains {
    return tenantDomains(claimantOf(tenant), this.candidates(tenant), this.baseDomain);
  }

  /** Names of the other tenants with a domain overlapping one of this tenant's. */
  overlapping(tenant: Tenant): string[] {
    const own = tenant.spec.network?.domains ?? [];
    return this.candidates(tenant)
      .filter((other) => other.name !== tenant.metadata.name && other.domains.some((d) => own.some((mine) => domainsOverlap(d, mine))))
      .map((other) => other.name);
  }

  private candidates(tenant: Tenant): DomainClaimant[] {
    const keys = new Set((tenant.spec.network?.domains ?? []).flatMap(domainSuffixes));
    const candidates = new Map<string, DomainClaimant>();
    for (const key of keys) {
      for (const other of this.tenants.byIndex(byDomainSuffix, key)) candidates.set(other.metadata.name, claimantOf(other));
    }
    return [...candidates.values()];
  }
}
