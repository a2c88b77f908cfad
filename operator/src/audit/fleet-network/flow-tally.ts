/**
 * What the fleet network audit keeps of the allowed flows, tallied as the analysis finds them: per
 * tenant, the undeclared flows into and out of it (exact counts, the first few listed) and the
 * hostNetwork senders that reach it as node traffic; and the matrix's cells. Nothing here grows
 * with the number of flows, which grows with the square of the namespaces no policy isolates: a
 * thousand Tenants created at once are, until onboarded, a thousand such namespaces
 * (docs/decisions/0031).
 */
import { formatProbe, podKey, type ExplainedFlow, type Pod } from '../network/index.js';
import { resolveNamedPort } from '../network/policy-semantics.js';
import { selectorMatches } from '../network/selectors.js';
import { outsideTenants, type PlatformNetwork, type TenantNetworkView } from './model.js';

/** At most this many offending flows are listed per finding; the count is always exact. */
export const flowsListed = 20;

export interface Classified {
  flow: ExplainedFlow;
  from: Pod;
  to: Pod;
}

export interface Undeclared {
  count: number;
  listed: Classified[];
}

export interface TenantFlows {
  ingress: Undeclared;
  egress: Undeclared;
  /** hostNetwork pods outside the tenants that reach the tenant as node traffic. */
  nodeSenders: Set<string>;
}

/** Bare stand-ins (stand-ins.ts) and the probes one of them may open to another. */
export interface BarePairs {
  pods: readonly Pod[];
  /** The allowed flows of one bare pair, judged by the analysis: every other bare pair's are the same. */
  sample: readonly Classified[];
}

export class FlowTally {
  private readonly byNamespace = new Map<string, TenantFlows>();
  private readonly cells = new Map<string, Set<string>>();
  private bare: { namespaces: Set<string>; probes: string[] } = { namespaces: new Set(), probes: [] };

  constructor(
    private readonly tenants: ReadonlyMap<string, TenantNetworkView>,
    private readonly platform: PlatformNetwork,
  ) {
    for (const namespace of tenants.keys()) {
      this.byNamespace.set(namespace, { ingress: { count: 0, listed: [] }, egress: { count: 0, listed: [] }, nodeSenders: new Set() });
    }
  }

  flowsOf(tenant: TenantNetworkView): TenantFlows {
    return this.byNamespace.get(tenant.namespace) as TenantFlows;
  }

  add(classified: Classified): void {
    const { flow, from, to } = classified;
    this.addCell(this.column(from), this.column(to), formatProbe(flow));
    if (from.namespace === to.namespace) return;
    const into = this.tenants.get(to.namespace);
    if (into) {
      if (this.isNodeTraffic(classified)) this.flowsOf(into).nodeSenders.add(podKey(from));
      else if (!this.isToServicePort(classified, into)) record(this.flowsOf(into).ingress, classified, 1);
    }
    const outOf = this.tenants.get(from.namespace);
    if (outOf && !this.isDns(classified)) record(this.flowsOf(outOf).egress, classified, 1);
  }

  /**
   * Every ordered pair of bare stand-ins but the sampled one, which add() has seen, without
   * judging them one by one (there are n² of them). A bare pair is undeclared both ways: neither
   * side is the ingress controller's or the DNS namespace, and a stand-in is no hostNetwork pod.
   */
  addBarePairs({ pods, sample }: BarePairs): void {
    const [first, second] = pods;
    if (!first || !second || sample.length === 0) return;
    this.bare = {
      namespaces: new Set(pods.map((pod) => pod.namespace)),
      probes: [...new Set(sample.map(({ flow }) => formatProbe(flow)))].sort(),
    };
    const others = (pods.length - 1) * sample.length;
    for (const pod of pods) {
      const sampled = pod === first || pod === second ? sample.length : 0;
      const tenant = this.tenants.get(pod.namespace) as TenantNetworkView;
      const { ingress, egress } = this.flowsOf(tenant);
      record(ingress, undefined, others - (pod === second ? sampled : 0));
      record(egress, undefined, others - (pod === first ? sampled : 0));
      listBare(ingress, pods, sample, (other) => [other, pod]);
      listBare(egress, pods, sample, (other) => [pod, other]);
    }
  }

  /** Allowed probes between tenant namespaces, everything else folded into `(other)`. */
  cell(from: string, to: string): string[] {
    const seen = this.cells.get(`${from}\u0000${to}`);
    const bare = from !== to && this.bare.namespaces.has(from) && this.bare.namespaces.has(to);
    if (!bare) return seen ? [...seen].sort() : [];
    return [...new Set([...(seen ?? []), ...this.bare.probes])].sort();
  }

  private addCell(from: string, to: string, probe: string): void {
    const key = `${from}\u0000${to}`;
    const probes = this.cells.get(key) ?? new Set<string>();
    probes.add(probe);
    this.cells.set(key, probes);
  }

  private column(pod: Pod): string {
    return this.tenants.has(pod.namespace) ? pod.namespace : outsideTenants;
  }

  /** A hostNetwork sender outside every tenant: traffic from a node, which no pod can refuse. */
  private isNodeTraffic({ flow, from }: Classified): boolean {
    return flow.because?.fromNode === true && !this.tenants.has(from.namespace);
  }

  /** From the ingress controller's namespace to a target port of the tenant's app Services. */
  private isToServicePort({ flow, from, to }: Classified, tenant: TenantNetworkView): boolean {
    if (from.namespace !== this.platform.ingressNamespace || flow.resolvedPort === undefined) return false;
    return tenant.ingressPorts.some(
      ({ protocol, port }) =>
        protocol === flow.protocol && (typeof port === 'number' ? port : resolveNamedPort(to, port, protocol)) === flow.resolvedPort,
    );
  }

  private isDns({ flow, to }: Classified): boolean {
    const { dnsNamespace, dnsPodLabels } = this.platform;
    return (
      to.namespace === dnsNamespace &&
      selectorMatches({ matchLabels: dnsPodLabels }, to.labels) &&
      (flow.protocol === 'UDP' || flow.protocol === 'TCP') &&
      flow.resolvedPort === 53
    );
  }
}

function record(undeclared: Undeclared, classified: Classified | undefined, count: number): void {
  undeclared.count += count;
  if (classified && undeclared.listed.length < flowsListed) undeclared.listed.push(classified);
}

/** Lists bare flows (the sample's, between other pods) while there is room, in the pods' order. */
function listBare(undeclared: Undeclared, pods: readonly Pod[], sample: readonly Classified[], pair: (other: Pod) => [Pod, Pod]): void {
  for (const other of pods) {
    if (undeclared.listed.length >= flowsListed) return;
    const [from, to] = pair(other);
    if (from === to || undeclared.listed.some((listed) => listed.from === from && listed.to === to)) continue;
    for (const { flow } of sample.slice(0, flowsListed - undeclared.listed.length)) {
      undeclared.listed.push({ flow: { ...flow, from: podKey(from), to: podKey(to) }, from, to });
    }
  }
}
