/**
 * A host served by two tenants: the ingress controller (or gateway) sends its traffic to one of
 * them, whichever it picks. The operator grants domains so that no two tenants ever hold
 * overlapping ones, and the admission policies keep each tenant's hosts under its own domains; this
 * check looks at the outcome across the whole fleet, so it also sees what a cluster without the
 * policies (or a host outside every grant) allows. Wildcards are read as the Gateway API reads
 * them, as a suffix (`*.example.com` covers `a.b.example.com`), the wider of the two readings.
 */
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { ingressHosts, routeHostnames } from './ingresses.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

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

/**
 * The claims by tenant, by host, by every suffix after a dot (a wildcard read as `x.`, as
 * hostsOverlap reads it) and, for wildcards, by what they cover: every claim that overlaps a host
 * is found under one of the host's keys, so a tenant's hosts are compared with those claims only,
 * not with every claim of the fleet (tenants × claims, docs/decisions/0060).
 */
interface ClaimIndex {
  byTenant: Map<string, number[]>;
  byHost: Map<string, number[]>;
  bySuffix: Map<string, number[]>;
  wildcardsByCover: Map<string, number[]>;
}

/** The fleet's claims with their index; positions are the claims'. */
export interface IndexedHostClaims {
  readonly claims: readonly HostClaim[];
  readonly index: ClaimIndex;
}

function push(map: Map<string, number[]>, key: string, position: number): void {
  const positions = map.get(key) ?? [];
  if (positions.length === 0) map.set(key, positions);
  if (positions[positions.length - 1] !== position) positions.push(position);
}

/** What follows each dot of the host with a leading `*.` read as `x.`: `x.a.b` → `a.b`, `b`. */
function dotSuffixes(host: string): string[] {
  const read = host.replace(/^\*\./, 'x.');
  const suffixes: string[] = [];
  for (let at = read.indexOf('.'); at >= 0; at = read.indexOf('.', at + 1)) suffixes.push(read.slice(at + 1));
  return suffixes;
}

/** Made once the fleet's claims are gathered; the network half judges every tenant from it. */
export function indexHostClaims(gathered: readonly HostClaim[]): IndexedHostClaims {
  const claims = [...gathered];
  const index: ClaimIndex = { byTenant: new Map(), byHost: new Map(), bySuffix: new Map(), wildcardsByCover: new Map() };
  claims.forEach((claim, position) => {
    const host = normal(claim.host);
    push(index.byTenant, claim.tenant, position);
    push(index.byHost, host, position);
    for (const suffix of dotSuffixes(host)) push(index.bySuffix, suffix, position);
    if (host.startsWith('*.')) push(index.wildcardsByCover, host.slice(2), position);
  });
  return { claims, index };
}

/** Where to look for the claims that may overlap a host (a superset; hostsOverlap decides). */
function candidatesFor(index: ClaimIndex, host: string): number[] {
  const x = normal(host);
  const found = [
    ...(index.byHost.get(x) ?? []),
    ...(x.startsWith('*.') ? (index.bySuffix.get(x.slice(2)) ?? []) : []),
    ...dotSuffixes(x).flatMap((suffix) => index.wildcardsByCover.get(suffix) ?? []),
  ];
  return [...new Set(found)].sort((a, b) => a - b);
}

/** The first claim of another tenant, in the claims' order, whose host overlaps this one's. */
function firstOverlap(claims: readonly HostClaim[], index: ClaimIndex, mine: HostClaim): HostClaim | undefined {
  for (const position of candidatesFor(index, mine.host)) {
    const theirs = claims[position] as HostClaim;
    if (theirs.tenant !== mine.tenant && hostsOverlap(mine.host, theirs.host)) return theirs;
  }
  return undefined;
}

/** `fleet`: the claims as indexHostClaims made them once for the run, or a list indexed for this call alone. */
export function sharedHostsCheck(
  tenant: TenantExposure,
  fleet: readonly HostClaim[] | IndexedHostClaims,
  listings: readonly Listing[],
): AuditCheck {
  const { claims, index } = 'index' in fleet ? fleet : indexHostClaims(fleet);
  return exposureCheck(shared, tenant, {
    listings,
    offences: () =>
      (index.byTenant.get(tenant.name) ?? [])
        .map((position) => claims[position] as HostClaim)
        .flatMap((mine): Offence[] => {
          const other = firstOverlap(claims, index, mine);
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
