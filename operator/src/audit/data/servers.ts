/**
 * Which tenants share which database server. Regions are configured one by one, but two regions
 * may name the same server (as the test environment does); roles live per server, so the login
 * matrix and the orphan check are per server, covering the tenants of every region on it.
 */
import type { Tenant } from '../../api/tenant.js';
import type { AuditedTenant } from './model.js';
import type { RegionSettings } from './regional-access.js';

export interface ServerGroup {
  /** `host:port`. */
  server: string;
  regions: string[];
  /** The settings of the first region naming this server (its admin Secret is used). */
  settings: RegionSettings;
  tenants: AuditedTenant[];
}

export function auditedTenant(tenant: Tenant): AuditedTenant {
  return {
    name: tenant.metadata.name,
    uid: tenant.metadata.uid ?? '',
    region: tenant.spec.region,
    ...(tenant.spec.suspended ? { suspended: true } : {}),
    ...(tenant.status?.database?.schema ? { pooledSchema: tenant.status.database.schema } : {}),
  };
}

export function groupByServer(
  tenants: readonly Tenant[],
  regions: Record<string, RegionSettings>,
  keyOf: (settings: RegionSettings) => string,
): { groups: ServerGroup[]; unserved: AuditedTenant[] } {
  const groups = new Map<string, ServerGroup>();
  const regionServer = new Map<string, string>();
  for (const [region, settings] of Object.entries(regions).sort(([a], [b]) => a.localeCompare(b))) {
    const server = keyOf(settings);
    regionServer.set(region, server);
    const group = groups.get(server) ?? { server, regions: [], settings, tenants: [] };
    group.regions.push(region);
    groups.set(server, group);
  }
  const unserved: AuditedTenant[] = [];
  for (const tenant of tenants.map(auditedTenant).sort((a, b) => a.name.localeCompare(b.name))) {
    const server = regionServer.get(tenant.region);
    if (server === undefined) unserved.push(tenant);
    else groups.get(server)?.tenants.push(tenant);
  }
  return { groups: [...groups.values()], unserved };
}
