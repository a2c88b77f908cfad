/**
 * The addresses of the platform's shared servers, which NetworkPolicies need as ipBlocks: every
 * region's database server and KMS endpoint (when configured as an address inside the platform,
 * as an emulator or a VPC endpoint is), resolved from their names at most once a minute, and from
 * them and the configured cluster ranges, every range a tenant's declared egress must not reach.
 */
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import type { OperatorConfig } from '../../api/operator-config.js';
import { excludedRanges, type ExcludedRange } from '../../resources/egress.js';
import type { Endpoint } from '../../resources/network-policies.js';
import { errorMessage } from '../../runtime/errors.js';

export interface PlatformAddresses {
  /** By region. */
  databases: Map<string, Endpoint>;
  kms: Map<string, Endpoint>;
  excluded: ExcludedRange[];
  /** Servers whose names did not resolve: their region's tenants get no allowance to them. */
  unresolved: { region: string; message: string }[];
}

type Resolve = (host: string) => Promise<string>;

const resolveHost: Resolve = async (host) => (isIP(host) ? host : (await lookup(host)).address);

/** The KMS endpoint's host and port, or undefined for AWS's own public endpoint (reached through declared egress). */
export function kmsEndpoint(endpoint: string | undefined): { host: string; port: number } | undefined {
  if (!endpoint) return undefined;
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443 };
}

export class PlatformAddressResolver {
  private cached: { at: number; value: Promise<PlatformAddresses> } | undefined;

  constructor(
    private readonly config: OperatorConfig,
    private readonly resolve: Resolve = resolveHost,
    private readonly ttlMs = 60_000,
  ) {}

  addresses(now = Date.now()): Promise<PlatformAddresses> {
    if (!this.cached || now - this.cached.at > this.ttlMs) {
      const value = this.lookupAll();
      this.cached = { at: now, value };
      // A failed lookup is not remembered: the next reconcile tries again.
      void value.catch(() => (this.cached = undefined));
    }
    return this.cached.value;
  }

  private async lookupAll(): Promise<PlatformAddresses> {
    const result: PlatformAddresses = { databases: new Map(), kms: new Map(), excluded: [], unresolved: [] };
    const servers: { address: string; what: string }[] = [];
    for (const [region, settings] of Object.entries(this.config.regions)) {
      const targets = [
        { map: result.databases, what: `database server of ${region}`, host: settings.database.host, port: settings.database.port },
        { map: result.kms, what: `KMS endpoint of ${region}`, ...kmsEndpoint(settings.kms.endpoint) },
      ];
      for (const { map, what, host, port } of targets) {
        if (host === undefined || port === undefined) continue;
        try {
          const address = await this.resolve(host);
          map.set(region, { address, port });
          servers.push({ address, what });
        } catch (error) {
          result.unresolved.push({ region, message: `the ${what} (${host}) does not resolve: ${errorMessage(error)}` });
        }
      }
    }
    const { clusterCIDRs, platformCIDRs } = this.config.network;
    result.excluded = excludedRanges({ ...clusterCIDRs, platform: platformCIDRs }, servers);
    return result;
  }
}
