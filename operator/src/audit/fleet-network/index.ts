/**
 * The Network part of `bulkhead audit` on a live cluster: the offline analyzer's semantics applied
 * to the cluster's NetworkPolicies, pods and namespaces, judged per tenant against the flows the
 * platform declares, with the tenant-to-tenant reachability matrix.
 */
import { namespaceName } from '../../api/names.js';
import type { Tenant } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { AuditCheck, InputObject, ReachabilityMatrix } from '../model.js';
import type { Assumptions, Probe } from '../network/index.js';
import { collectNetwork } from './collect.js';
import { auditFleetNetwork } from './evaluate.js';
import type { PlatformNetwork, TenantNetworkView } from './model.js';

export { auditFleetNetwork } from './evaluate.js';
export { defaultFleetProbes, outsideTenants, standIn, type PlatformNetwork, type TenantNetworkView } from './model.js';

export interface NetworkAuditOptions {
  tenants: Tenant[];
  platform: PlatformNetwork;
  probes: Probe[];
  assumptions: Assumptions;
}

export interface NetworkAuditResult {
  checks: AuditCheck[];
  inputs: InputObject[];
  matrix: ReachabilityMatrix;
}

export function tenantNetworkView(tenant: Tenant): TenantNetworkView {
  const { host, port } = tenant.status?.database ?? {};
  return {
    name: tenant.metadata.name,
    namespace: tenant.status?.namespace ?? namespaceName(tenant),
    allowEgressCIDRs: tenant.spec.network?.allowEgressCIDRs ?? [],
    ...(host && port ? { database: { host, port } } : {}),
  };
}

export async function auditNetwork(client: KubeClient, options: NetworkAuditOptions): Promise<NetworkAuditResult> {
  const { cluster, inputs } = await collectNetwork(client);
  const result = await auditFleetNetwork({
    cluster,
    tenants: options.tenants.map(tenantNetworkView),
    platform: options.platform,
    probes: options.probes,
    assumptions: options.assumptions,
  });
  return { ...result, inputs };
}
