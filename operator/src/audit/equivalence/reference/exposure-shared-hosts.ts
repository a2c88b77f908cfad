// The code before decision 0060, kept verbatim (imports re-pointed) so the equivalence tests compare the indexed parts with it.
/**
 * A host served by two tenants: the ingress controller (or gateway) sends its traffic to one of
 * them, whichever it picks. The operator grants domains so that no two tenants ever hold
 * overlapping ones, and the admission policies keep each tenant's hosts under its own domains; this
 * check looks at the outcome across the whole fleet, so it also sees what a cluster without the
 * policies (or a host outside every grant) allows. Wildcards are read as the Gateway API reads
 * them, as a suffix (`*.example.com` covers `a.b.example.com`), the wider of the two readings.
 */
import type { AuditCheck } from '../../model.js';
import { exposureCheck, type CheckSpec } from '../../exposure/checks.js';
import { ingressHosts, routeHostnames } from '../../exposure/ingresses.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './exposure-model.js';

export interface HostClaim {
  tenant: string;
  host: string;
  object: string;
  field: string;
}

const shared: CheckSpec = {
  id: 'network.shared-hosts',
  category: 'network',
  reasons: ['HostServedByAnotherTenant'],
  title: (tenant) =>
    `No host of an Ingress or HTTPRoute in ${tenant.namespace} is the same as, or overlaps, a host another tenant's Ingresses or routes serve.`,
  clean: 'No host is shared with another tenant.',
};

const normal = (host: string): string => host.toLowerCase().replace(/\.$/, '');

/** Whether some request host could match both (equal, or covered by the other's wildcard suffix). */
export function hostsOverlap(a: string, b: string): boolean {
  const [x, y] = [normal(a), normal(b)];
  if (x === y) return true;
  const suffix = (host: string): string | undefined => (host.startsWith('*.') ? host.slice(2) : undefined);
  const [sx, sy] = [suffix(x), suffix(y)];
  const covers = (wildcard: string | undefined, host: string): boolean => wildcard !== undefined && host.endsWith(`.${wildcard}`);
  return covers(sx, y.replace(/^\*\./, 'x.')) || covers(sy, x.replace(/^\*\./, 'x.'));
}

/** Every host each tenant's Ingresses and HTTPRoutes name. */
export function hostClaims(tenants: readonly TenantExposure[], ingresses: Listing, httpRoutes: Listing): HostClaim[] {
  return tenants.flatMap((tenant) => {
    const own = (listing: Listing): ListedObject[] => {
      const found = inNamespace(listing, tenant.namespace);
      return 'items' in found ? found.items : [];
    };
    const fromIngresses = own(ingresses).flatMap((ingress) =>
      ingressHosts(ingress).map(({ host, field }) => ({ tenant: tenant.name, host, object: objectName(ingress), field })),
    );
    const fromRoutes = own(httpRoutes).flatMap((route) =>
      routeHostnames(route).map((host, index) => ({
        tenant: tenant.name,
        host,
        object: objectName(route),
        field: `spec.hostnames[${index}]`,
      })),
    );
    return [...fromIngresses, ...fromRoutes];
  });
}

export function sharedHostsCheck(tenant: TenantExposure, claims: readonly HostClaim[], listings: readonly Listing[]): AuditCheck {
  const others = claims.filter((claim) => claim.tenant !== tenant.name);
  return exposureCheck(shared, tenant, {
    listings,
    offences: () =>
      claims
        .filter((claim) => claim.tenant === tenant.name)
        .flatMap((mine): Offence[] => {
          const other = others.find((theirs) => hostsOverlap(mine.host, theirs.host));
          return other
            ? [
                {
                  object: mine.object,
                  rule: ruleName('ingress-host-in-tenant-domains'),
                  reason: 'HostServedByAnotherTenant',
                  detail: `${mine.field} ${mine.host} is also served by tenant ${other.tenant} (${other.object} ${other.field} ${other.host})`,
                },
              ]
            : [];
        }),
  });
}
