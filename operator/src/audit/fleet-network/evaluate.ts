/**
 * The fleet network audit, pure: which connections into and out of each tenant the policies allow,
 * judged against what the platform declares, and the tenant-to-tenant matrix. Declared are: within
 * the namespace both ways; in from the ingress controller's namespace on the app's Service ports
 * only; in from the node, which no pod can refuse (every hostNetwork pod outside the tenants, listed
 * in the evidence); out to the cluster DNS on port 53. Any other allowed flow is a finding for the
 * tenant it enters or leaves, naming the policy rules that allow it on each side. Addresses outside
 * the cluster are ip-blocks.ts and egress-bounds.ts.
 */
import { failed, passed, type AuditCheck, type JsonValue, type ReachabilityCell, type ReachabilityMatrix } from '../model.js';
import { sparseMatrix } from '../report/matrix-cells.js';
import { formatProbe, visitAllowedFlows, type NetworkPolicy, type Pod } from '../network/index.js';
import { egressBoundsCheck } from './egress-bounds.js';
import { FlowTally, flowsListed, type Classified, type Undeclared } from './flow-tally.js';
import { outsideTenants, type FleetNetworkInput, type PlatformNetwork, type TenantNetworkView } from './model.js';
import { ipBlockChecks } from './ip-blocks.js';
import { bareStandIns, withStandIns } from './stand-ins.js';

export interface FleetNetworkResult {
  checks: AuditCheck[];
  matrix: ReachabilityMatrix;
  /**
   * Ordered pod pairs the analysis judged: one by one, or refused for their namespaces alone
   * (docs/decisions/0059), the same count either way; bare pairs are left out (counted, 0031).
   */
  pairsJudged: number;
}

export async function auditFleetNetwork(input: FleetNetworkInput): Promise<FleetNetworkResult> {
  const addressRanges = { pods: input.ranges.pods, nodes: input.ranges.nodes };
  const cluster = withStandIns({ ...input.cluster, addressRanges }, input.tenants, input.platform);
  const tenantOf = new Map(input.tenants.map((tenant) => [tenant.namespace, tenant]));
  const tally = new FlowTally(tenantOf, input.platform);
  const bare = bareStandIns(cluster, input.tenants, input.platform);
  const isBare = new Set(bare);
  const [first, second] = bare;
  // One bare pair is judged, as a sample of them all; the others are counted from it.
  const skip = (from: Pod, to: Pod): boolean => isBare.has(from) && isBare.has(to) && !(from === first && to === second);
  const sample: Classified[] = [];
  const pairsJudged = await visitAllowedFlows(cluster, input.probes, input.assumptions, {
    visit: (flow, from, to) => {
      const classified = { flow, from, to };
      tally.add(classified);
      if (isBare.has(from) && isBare.has(to)) sample.push(classified);
    },
    skip,
  });
  tally.addBarePairs({ pods: bare, sample });
  const policiesByNamespace = groupByNamespace(cluster.policies);
  const checks = input.tenants.flatMap((tenant) => {
    const policies = policiesByNamespace.get(tenant.namespace) ?? [];
    return [
      ingressCheck(tenant, tally, input.platform),
      egressCheck(tenant, tally),
      ...ipBlockChecks(tenant, policies),
      egressBoundsCheck(tenant, policies, input.ranges),
    ];
  });
  return { checks, matrix: await matrixOf(tally, input), pairsJudged };
}

function groupByNamespace(policies: readonly NetworkPolicy[]): Map<string, NetworkPolicy[]> {
  const grouped = new Map<string, NetworkPolicy[]>();
  for (const policy of policies) grouped.set(policy.namespace, [...(grouped.get(policy.namespace) ?? []), policy]);
  return grouped;
}

/** Into the tenant from another namespace: the ingress controller on the app's Service ports, and the node. */
function ingressCheck(tenant: TenantNetworkView, tally: FlowTally, platform: PlatformNetwork): AuditCheck {
  const { ingress: undeclared, nodeSenders: senders } = tally.flowsOf(tenant);
  const ports = tenant.ingressPorts.map((port) => formatProbe(port));
  const fields = {
    id: 'network.ingress',
    category: 'network' as const,
    tenant: tenant.name,
    title: `Only pods in ${tenant.namespace}, the ingress controller's namespace ${platform.ingressNamespace} on the app's Service ports and the node can connect to the tenant's pods.`,
  };
  const nodeSenders = [...senders].sort();
  const declared = { ingressPorts: ports, nodeSenders };
  if (undeclared.count === 0) {
    const node =
      nodeSenders.length > 0 ? ` ${nodeSenders.length} hostNetwork pod(s) reach it as node traffic, which no pod can refuse.` : '';
    return passed({
      ...fields,
      message: `No other namespace can open a connection to the tenant; the ingress controller only on ${ports.join(', ') || 'no port'}.${node}`,
      evidence: { undeclaredFlows: 0, ...declared },
    });
  }
  return failed({
    ...fields,
    reason: 'UndeclaredIngress',
    message: `${undeclared.count} connection(s) into ${tenant.namespace} are allowed from elsewhere, e.g. ${describe(undeclared.listed[0] as Classified)}.`,
    evidence: { ...(flowEvidence(undeclared) as Record<string, JsonValue>), ...declared },
  });
}

/** Out of the tenant to another namespace: only the cluster DNS on port 53 is declared. */
function egressCheck(tenant: TenantNetworkView, tally: FlowTally): AuditCheck {
  const undeclared = tally.flowsOf(tenant).egress;
  const fields = {
    id: 'network.egress',
    category: 'network' as const,
    tenant: tenant.name,
    title: `The tenant's pods can connect to no other namespace's pods except the cluster DNS on port 53.`,
  };
  if (undeclared.count === 0)
    return passed({
      ...fields,
      message: 'The tenant cannot open a connection to any other namespace except DNS.',
      evidence: { undeclaredFlows: 0 },
    });
  return failed({
    ...fields,
    reason: 'UndeclaredEgress',
    message: `${undeclared.count} connection(s) out of ${tenant.namespace} are allowed, e.g. ${describe(undeclared.listed[0] as Classified)}.`,
    evidence: flowEvidence(undeclared),
  });
}

function describe({ flow }: Classified): string {
  const rules = [...(flow.because?.egress ?? []), ...(flow.because?.ingress ?? [])].map(
    (rule) => `${rule.policy} ${rule.direction.toLowerCase()}[${rule.rule}]`,
  );
  const node = flow.because?.fromNode ? ['a hostNetwork sender, admitted as node traffic'] : [];
  const why = [...(rules.length > 0 ? [`allowed by ${rules.join(' and ')}`] : []), ...node];
  return `${flow.from} → ${flow.to} ${formatProbe(flow)} (${why.length > 0 ? why.join('; ') : 'no policy isolates either side'})`;
}

function flowEvidence({ count, listed }: Undeclared): JsonValue {
  return {
    undeclaredFlows: count,
    flows: listed.slice(0, flowsListed).map(({ flow }) => ({
      from: flow.from,
      to: flow.to,
      probe: formatProbe(flow),
      egressAllowedBy: (flow.because?.egress ?? []).map((rule) => `${rule.policy}#egress[${rule.rule}]`),
      ingressAllowedBy: (flow.because?.ingress ?? []).map((rule) => `${rule.policy}#ingress[${rule.rule}]`),
    })),
  };
}

/**
 * Allowed probes between tenant namespaces, everything else folded into `(other)`: every one of
 * the n² ordered pairs judged, a turn of the event loop per row, and only the pairs where
 * something is allowed listed (a sparse matrix, docs/decisions/0056).
 */
async function matrixOf(tally: FlowTally, input: FleetNetworkInput): Promise<ReachabilityMatrix> {
  const namespaces = [...input.tenants.map((tenant) => tenant.namespace).sort(), outsideTenants];
  const cells: ReachabilityCell[] = [];
  for (const from of namespaces) {
    for (const to of namespaces) {
      const allowed = tally.cell(from, to);
      if (allowed.length > 0) cells.push({ from, to, allowed });
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return sparseMatrix(namespaces, input.probes.map(formatProbe), cells);
}
