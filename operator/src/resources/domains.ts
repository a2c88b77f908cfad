/**
 * The host names a tenant may serve through the shared ingress controller (and Gateway API
 * routes): `<tenant>.<baseDomain>` when the platform configures a base domain, plus the domains
 * declared in spec.network.domains, each with its subdomains. A host is served by one tenant only:
 * a declared domain that overlaps one another tenant declared first (equal, or one inside the
 * other) is withheld from the later tenant, so no admission rule ever lets two tenants claim the
 * same host. The operator writes the result on the tenant's namespace, where the admission
 * policies read it.
 */
export interface DomainClaimant {
  name: string;
  /** RFC 3339; the older claim wins, then the name breaks the tie. */
  creationTimestamp?: string;
  domains: readonly string[];
}

export interface TenantDomains {
  /** What the tenant may serve, each domain with its subdomains. */
  granted: string[];
  /** Declared domains withheld because another tenant holds an overlapping one. */
  withheld: { domain: string; heldBy: string }[];
}

/** Whether one domain is the other or lies under it. */
export function domainsOverlap(a: string, b: string): boolean {
  return a === b || a.endsWith(`.${b}`) || b.endsWith(`.${a}`);
}

/** Whether a host (possibly `*.`-wildcarded) is one of the domains or under one of them. */
export function hostWithin(host: string, domains: readonly string[]): boolean {
  const name = host.toLowerCase().replace(/\.$/, '');
  return domains.some((domain) => name === domain || name.endsWith(`.${domain}`));
}

function claimsFirst(a: DomainClaimant, b: DomainClaimant): boolean {
  const [ta, tb] = [a.creationTimestamp ?? '', b.creationTimestamp ?? ''];
  return ta !== tb ? ta < tb : a.name < b.name;
}

/**
 * The tenant's domains given every tenant's claims. The derived `<tenant>.<baseDomain>` is unique
 * by construction (tenant names are); declared ones under the base domain are refused at
 * admission, so they cannot take another tenant's derived name.
 */
export function tenantDomains(tenant: DomainClaimant, others: readonly DomainClaimant[], baseDomain?: string): TenantDomains {
  const result: TenantDomains = { granted: baseDomain ? [`${tenant.name}.${baseDomain}`] : [], withheld: [] };
  const earlier = others.filter((other) => other.name !== tenant.name && claimsFirst(other, tenant));
  for (const domain of tenant.domains) {
    const holder = earlier.find((other) => other.domains.some((theirs) => domainsOverlap(domain, theirs)));
    if (holder) result.withheld.push({ domain, heldBy: holder.name });
    else if (!result.granted.includes(domain)) result.granted.push(domain);
  }
  return result;
}
