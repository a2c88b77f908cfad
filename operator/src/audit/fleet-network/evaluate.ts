/**
 * The fleet network audit, pure: which connections into and out of each tenant the policies allow,
 * judged against what the platform declares, and the tenant-to-tenant matrix. Declared are: within
 * the namespace both ways; in from the ingress controller's namespace on the app's Service ports
 * only; in from the node, which no pod can refuse (every hostNetwork pod outside the tenants, listed
 * in the evidence); out to the cluster DNS on port 53. Any other allowed flow is a finding for the
 * tenant it enters or leaves, naming the policy rules that allow it on each side. Addresses outside
 * the cluster are ip-blocks.ts and egress-bounds.ts.
 */
import { failed, passed, type AuditCheck, type JsonValue, type ReachabilityMatrix } from '../model.js';
import { explainYielding, formatProbe, podKey, type ExplainedFlow, type NetworkPolicy, type Pod } from '../network/index.js';
import { resolveNamedPort } from '../network/policy-semantics.js';
import { selectorMatches } from '../network/selectors.js';
import { egressBoundsCheck } from './egress-bounds.js';
import { outsideTenants, type FleetNetworkInput, type PlatformNetwork, type TenantNetworkView } from './model.js';
import { ipBlockChecks } from './ip-blocks.js';
import { withStandIns } from './stand-ins.js';

export interface FleetNetworkResult {
  checks: AuditCheck[];
  matrix: ReachabilityMatrix;
}

/** At most this many offending flows are listed per finding; the count is always exact. */
const flowsListed = 20;

interface Classified {
  flow: ExplainedFlow;
  from: Pod;
  to: Pod;
}

export async function auditFleetNetwork(input: FleetNetworkInput): Promise<FleetNetworkResult> {
  const addressRanges = { pods: input.ranges.pods, nodes: input.ranges.nodes };
  const cluster = withStandIns({ ...input.cluster, addressRanges }, input.tenants, input.platform);
  const pods = new Map(cluster.pods.map((pod) => [podKey(pod), pod]));
  const tenantOf = new Map(input.tenants.map((tenant) => [tenant.namespace, tenant]));
  const allowed: Classified[] = (await explainYielding(cluster, input.probes, input.assumptions, { allowedOnly: true })).flows
    .map((flow) => ({ flow, from: pods.get(flow.from) as Pod, to: pods.get(flow.to) as Pod }));
  const checks = input.tenants.flatMap((tenant) => [
    ingressCheck(tenant, allowed, { platform: input.platform, tenantNamespaces: tenantOf }),
    egressCheck(tenant, allowed, input.platform),
    ...ipBlockChecks(tenant, policiesIn(cluster.policies, tenant.namespace)),
    egressBoundsCheck(tenant, policiesIn(cluster.policies, tenant.namespace), input.ranges),
  ]);
  return { checks, matrix: matrixOf(allowed, input, tenantOf) };
}

function policiesIn(policies: readonly NetworkPolicy[], namespace: string): NetworkPolicy[] {
  return policies.filter((policy) => policy.namespace === namespace);
}

interface IngressContext {
  platform: PlatformNetwork;
  tenantNamespaces: ReadonlyMap<string, TenantNetworkView>;
}

/** A hostNetwork sender outside every tenant: traffic from a node, which no pod can refuse. */
function isNodeTraffic({ flow, from }: Classified, context: IngressContext): boolean {
  return flow.because?.fromNode === true && !context.tenantNamespaces.has(from.namespace);
}

/** From the ingress controller's namespace to a target port of the tenant's app Services. */
function isToServicePort({ flow, from, to }: Classified, tenant: TenantNetworkView, context: IngressContext): boolean {
  if (from.namespace !== context.platform.ingressNamespace || flow.resolvedPort === undefined) return false;
  return tenant.ingressPorts.some(({ protocol, port }) => protocol === flow.protocol
    && (typeof port === 'number' ? port : resolveNamedPort(to, port, protocol)) === flow.resolvedPort);
}

/** Into the tenant from another namespace: the ingress controller on the app's Service ports, and the node. */
function ingressCheck(tenant: TenantNetworkView, flows: readonly Classified[], context: IngressContext): AuditCheck {
  const entering = flows.filter(({ from, to }) => to.namespace === tenant.namespace && from.namespace !== tenant.namespace);
  const fromNodes = entering.filter((flow) => isNodeTraffic(flow, context));
  const undeclared = entering.filter((flow) => !isNodeTraffic(flow, context) && !isToServicePort(flow, tenant, context));
  const ports = tenant.ingressPorts.map((port) => formatProbe(port));
  const fields = {
    id: 'network.ingress',
    category: 'network' as const,
    tenant: tenant.name,
    title: `Only pods in ${tenant.namespace}, the ingress controller's namespace ${context.platform.ingressNamespace} on the app's Service ports and the node can connect to the tenant's pods.`,
  };
  const nodeSenders = [...new Set(fromNodes.map(({ from }) => podKey(from)))].sort();
  const declared = { ingressPorts: ports, nodeSenders };
  if (undeclared.length === 0) {
    const node = nodeSenders.length > 0 ? ` ${nodeSenders.length} hostNetwork pod(s) reach it as node traffic, which no pod can refuse.` : '';
    return passed({ ...fields, message: `No other namespace can open a connection to the tenant; the ingress controller only on ${ports.join(', ') || 'no port'}.${node}`, evidence: { undeclaredFlows: 0, ...declared } });
  }
  return failed({
    ...fields,
    reason: 'UndeclaredIngress',
    message: `${undeclared.length} connection(s) into ${tenant.namespace} are allowed from elsewhere, e.g. ${describe(undeclared[0] as Classified)}.`,
    evidence: { ...(flowEvidence(undeclared) as Record<string, JsonValue>), ...declared },
  });
}

/** Out of the tenant to another namespace: only the cluster DNS on port 53 is declared. */
function egressCheck(tenant: TenantNetworkView, flows: readonly Classified[], platform: PlatformNetwork): AuditCheck {
  const undeclared = flows.filter(({ flow, from, to }) =>
    from.namespace === tenant.namespace && to.namespace !== tenant.namespace && !isDns(flow, to, platform));
  const fields = {
    id: 'network.egress',
    category: 'network' as const,
    tenant: tenant.name,
    title: `The tenant's pods can connect to no other namespace's pods except the cluster DNS on port 53.`,
  };
  if (undeclared.length === 0) return passed({ ...fields, message: 'The tenant cannot open a connection to any other namespace except DNS.', evidence: { undeclaredFlows: 0 } });
  return failed({
    ...fields,
    reason: 'UndeclaredEgress',
    message: `${undeclared.length} connection(s) out of ${tenant.namespace} are allowed, e.g. ${describe(undeclared[0] as Classified)}.`,
    evidence: flowEvidence(undeclared),
  });
}

function isDns(flow: ExplainedFlow, to: Pod, platform: PlatformNetwork): boolean {
  return to.namespace === platform.dnsNamespace && selectorMatches({ matchLabels: platform.dnsPodLabels }, to.labels)
    && (flow.protocol === 'UDP' || flow.protocol === 'TCP') && flow.resolvedPort === 53;
}

function describe({ flow }: Classified): string {
  const rules = [...(flow.because?.egress ?? []), ...(flow.because?.ingress ?? [])].map((rule) => `${rule.policy} ${rule.direction.toLowerCase()}[${rule.rule}]`);
  const node = flow.because?.fromNode ? ['a hostNetwork sender, admitted as node traffic'] : [];
  const why = [...(rules.length > 0 ? [`allowed by ${rules.join(' and ')}`] : []), ...node];
  return `${flow.from} → ${flow.to} ${formatProbe(flow)} (${why.length > 0 ? why.join('; ') : 'no policy isolates either side'})`;
}

function flowEvidence(flows: readonly Classified[]): JsonValue {
  return {
    undeclaredFlows: flows.length,
    flows: flows.slice(0, flowsListed).map(({ flow }) => ({
      from: flow.from,
      to: flow.to,
      probe: formatProbe(flow),
      egressAllowedBy: (flow.because?.egress ?? []).map((rule) => `${rule.policy}#egress[${rule.rule}]`),
      ingressAllowedBy: (flow.because?.ingress ?? []).map((rule) => `${rule.policy}#ingress[${rule.rule}]`),
    })),
  };
}

/** Allowed probes between tenant namespaces, everything else folded into `(other)`. */
function matrixOf(flows: readonly Classified[], input: FleetNetworkInput, tenantOf: Map<string, TenantNetworkView>): ReachabilityMatrix {
  const namespaces = [...input.tenants.map((tenant) => tenant.namespace).sort(), outsideTenants];
  const column = (pod: Pod): string => (tenantOf.has(pod.namespace) ? pod.namespace : outsideTenants);
  const cells = new Map<string, Set<string>>();
  for (const { flow, from, to } of flows) {
    const key = `${column(from)}\u0000${column(to)}`;
    const probes = cells.get(key) ?? new Set<string>();
    probes.add(formatProbe(flow));
    cells.set(key, probes);
  }
  return {
    namespaces,
    probes: input.probes.map(formatProbe),
    cells: namespaces.flatMap((from) => namespaces.map((to) => ({ from, to, allowed: [...(cells.get(`${from}\u0000${to}`) ?? [])].sort() }))),
  };
}
