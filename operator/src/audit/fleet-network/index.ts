/**
 * The Network part of `bulkhead audit` on a live cluster: the offline analyzer's semantics applied
 * to the cluster's NetworkPolicies, pods and namespaces, judged per tenant against the flows the
 * platform declares, with the tenant-to-tenant reachability matrix.
 */
import { tenantLabel } from '../../api/labels.js';
import { namespaceName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { PlatformAddresses } from '../../controllers/tenant/platform-addresses.js';
import { servicePorts } from '../../controllers/tenant/release-plan.js';
import type { KubeObject } from '../../runtime/types.js';
import type { ClusterReader } from '../cluster-reads.js';
import type { AuditCheck, InputObject, ReachabilityMatrix } from '../model.js';
import type { Assumptions, Probe, Protocol } from '../network/index.js';
import { collectNetwork } from './collect.js';
import { auditFleetNetwork } from './evaluate.js';
import type { FleetRanges, PlatformNetwork, ServicePort, TenantNetworkView } from './model.js';

export { auditFleetNetwork } from './evaluate.js';
export { defaultFleetProbes, outsideTenants, standIn, type FleetRanges, type PlatformNetwork, type TenantNetworkView } from './model.js';

export interface NetworkAuditOptions {
  tenants: Tenant[];
  platform: PlatformNetwork & Pick<OperatorConfig['network'], 'clusterCIDRs'>;
  addresses: PlatformAddresses;
  probes: Probe[];
  assumptions: Assumptions;
}

export interface NetworkAuditResult {
  checks: AuditCheck[];
  inputs: InputObject[];
  matrix: ReachabilityMatrix;
}

/**
 * The target ports of the tenant's app Services, the ones Bulkhead applied from the chart
 * (its labels and an owner reference to this Tenant): what allow-ingress-controller lists.
 */
export function appServicePorts(tenant: Tenant, services: readonly KubeObject[]): ServicePort[] {
  const namespace = namespaceName(tenant);
  const own = services.filter(
    (service) =>
      service.metadata.namespace === namespace &&
      service.metadata.labels?.[tenantLabel] === tenant.metadata.name &&
      (service.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'Tenant' && owner.uid === tenant.metadata.uid),
  );
  return servicePorts(own.map((service) => ({ ...service, apiVersion: 'v1', kind: 'Service' }))).map(({ protocol, port }) => ({
    protocol: protocol as Protocol,
    port,
  }));
}

export function tenantNetworkView(tenant: Tenant, addresses: PlatformAddresses, services: readonly KubeObject[]): TenantNetworkView {
  const database = addresses.databases.get(tenant.spec.region);
  const kms = addresses.kms.get(tenant.spec.region);
  return {
    name: tenant.metadata.name,
    namespace: tenant.status?.namespace ?? namespaceName(tenant),
    allowEgressCIDRs: tenant.spec.network?.allowEgressCIDRs ?? [],
    ...(database ? { database } : {}),
    ...(kms ? { kms } : {}),
    ingressPorts: appServicePorts(tenant, services),
  };
}

export function fleetRanges(clusterCIDRs: OperatorConfig['network']['clusterCIDRs'], addresses: PlatformAddresses): FleetRanges {
  return {
    pods: [...clusterCIDRs.pods],
    services: [...clusterCIDRs.services],
    nodes: [...clusterCIDRs.nodes],
    excluded: addresses.excluded,
  };
}

export async function auditNetwork(reader: ClusterReader, options: NetworkAuditOptions): Promise<NetworkAuditResult> {
  const [{ cluster, inputs }, services] = await Promise.all([collectNetwork(reader), reader.list('v1', 'Service')]);
  const result = await auditFleetNetwork({
    cluster,
    tenants: options.tenants.map((tenant) => tenantNetworkView(tenant, options.addresses, services)),
    platform: options.platform,
    probes: options.probes,
    assumptions: options.assumptions,
    ranges: fleetRanges(options.platform.clusterCIDRs, options.addresses),
  });
  return { ...result, inputs };
}
