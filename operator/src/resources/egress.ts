/**
 * Where a tenant's declared egress may not lead. A declared CIDR is for the world outside the
 * cluster (a partner's API, a SaaS endpoint); without bounds, `0.0.0.0/0` would also reach every
 * pod, Service and node of the cluster, the cloud's metadata endpoint and the shared database
 * servers. So every declared CIDR gets `except` entries for the platform's own ranges inside it,
 * and a CIDR that lies wholly inside one of them is refused: there would be nothing left of it.
 * The database servers stay reachable only through `allow-database`, on the tenant's own port.
 */
import { cidrContainsCidr, hostCidr, parseCidr } from '../api/cidr.js';

/** Link-local addresses and the cloud metadata endpoints (AWS IMDS on IPv4 and IPv6), always excluded. */
export const alwaysExcludedRanges: readonly ExcludedRange[] = [
  { cidr: '169.254.0.0/16', what: 'link-local and cloud metadata' },
  { cidr: 'fe80::/10', what: 'IPv6 link-local' },
  { cidr: 'fd00:ec2::254/128', what: 'cloud metadata (IPv6)' },
];

export interface ExcludedRange {
  cidr: string;
  /** What lives there, for messages: "pod network", "database server", ... */
  what: string;
}

/** The cluster's and platform's ranges, from the operator's configuration. */
export interface ClusterRanges {
  pods: readonly string[];
  services: readonly string[];
  nodes: readonly string[];
  platform: readonly string[];
}

/** Every range a declared CIDR must not reach: the cluster's, the platform's, metadata, and the given servers. */
export function excludedRanges(ranges: ClusterRanges, servers: readonly { address: string; what: string }[]): ExcludedRange[] {
  const named = (cidrs: readonly string[], what: string): ExcludedRange[] => cidrs.map((cidr) => ({ cidr, what }));
  const all = [
    ...named(ranges.pods, 'pod network'),
    ...named(ranges.services, 'Service network'),
    ...named(ranges.nodes, 'node addresses'),
    ...named(ranges.platform, 'platform network'),
    ...alwaysExcludedRanges,
    ...servers.map(({ address, what }) => ({ cidr: hostCidr(address), what })),
  ];
  const seen = new Set<string>();
  return all.filter(({ cidr }) => parseCidr(cidr) !== undefined && !seen.has(cidr) && (seen.add(cidr), true));
}

/** A declared CIDR as the NetworkPolicy will hold it: its `except` are the excluded ranges inside it. */
export interface BoundedEgress {
  cidr: string;
  except: string[];
}

export interface EgressBounds {
  allowed: BoundedEgress[];
  /** Declared CIDRs that lie wholly inside an excluded range, with that range. */
  refused: { cidr: string; inside: ExcludedRange }[];
}

export function boundEgress(declared: readonly string[], excluded: readonly ExcludedRange[]): EgressBounds {
  const bounds: EgressBounds = { allowed: [], refused: [] };
  for (const cidr of declared) {
    const inside = excluded.find((range) => cidrContainsCidr(range.cidr, cidr));
    if (inside) {
      bounds.refused.push({ cidr, inside });
      continue;
    }
    // NetworkPolicy refuses an except that is not strictly inside its cidr, so only those are listed.
    const except = excluded.filter((range) => cidrContainsCidr(cidr, range.cidr)).map((range) => canonical(range.cidr));
    bounds.allowed.push({ cidr, except: [...new Set(except)] });
  }
  return bounds;
}

/** The CIDR with host bits cleared, as NetworkPolicy validation wants every except written. */
function canonical(cidr: string): string {
  const parsed = parseCidr(cidr);
  if (!parsed) return cidr;
  const { base, prefixLength } = parsed;
  const hostBits = BigInt(base.width - prefixLength);
  const network = (base.value >> hostBits) << hostBits;
  return `${formatAddress(network, base.width)}/${prefixLength}`;
}

function formatAddress(value: bigint, width: 32 | 128): string {
  if (width === 32) return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  const groups = Array.from({ length: 8 }, (_, index) => ((value >> BigInt((7 - index) * 16)) & 0xffffn).toString(16));
  return groups
    .join(':')
    .replace(/(^|:)0(:0)+(:|$)/, '::')
    .replace(/:{3,}/, '::');
}
