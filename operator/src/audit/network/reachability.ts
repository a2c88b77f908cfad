/**
 * The reachability analysis: for every ordered pair of distinct pods and every probe, whether the
 * connection is allowed. A connection needs egress allowed at the source AND ingress allowed at
 * the destination; a pod is isolated in a direction iff some policy in its namespace selects it
 * and has that direction in its (defaulted) policyTypes, and then only the union of those
 * policies' rules allows traffic. Policies are additive: order and conflicts do not exist.
 */
import type {
  AnalysisResult,
  Assumptions,
  ClusterState,
  ExplainedAnalysisResult,
  ExplainedFlow,
  NetworkPolicy,
  Pod,
  PolicyType,
  Probe,
  Protocol,
  RuleRef,
} from './model.js';
import {
  effectivePolicyTypes,
  namespaceNameLabel,
  policySelectsPod,
  resolveNamedPort,
  ruleAllows,
  rulesFor,
  type RuleContext,
} from './policy-semantics.js';

/** Flows in the CLI's shape: from, to, protocol, port, allowed. */
export function analyze(cluster: ClusterState, probes: readonly Probe[], assumptions: Assumptions): AnalysisResult {
  const explained = explain(cluster, probes, assumptions);
  return {
    assumptions,
    flows: explained.flows.map(({ from, to, protocol, port, allowed }) => ({ from, to, protocol, port, allowed })),
  };
}

/** The same flows, each allowed one carrying the rules that allow it (for the auditor's findings). */
export function explain(cluster: ClusterState, probes: readonly Probe[], assumptions: Assumptions): ExplainedAnalysisResult {
  return { assumptions, flows: [...flowsBySource(cluster, probes, assumptions)].flat() };
}

/**
 * The same as explain, one source pod at a time with a turn of the event loop between them: a
 * fleet of hundreds of pods is hundreds of thousands of pairs, and a process that also renews a
 * leader Lease must not stop answering for the seconds that takes.
 */
export async function explainYielding(cluster: ClusterState, probes: readonly Probe[], assumptions: Assumptions): Promise<ExplainedAnalysisResult> {
  const flows: ExplainedFlow[] = [];
  for (const fromOneSource of flowsBySource(cluster, probes, assumptions)) {
    flows.push(...fromOneSource);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { assumptions, flows };
}

/** Every source pod's flows to every other pod, source by source in name order. */
function* flowsBySource(cluster: ClusterState, probes: readonly Probe[], assumptions: Assumptions): Generator<ExplainedFlow[]> {
  const analysis = new Analysis(cluster, assumptions);
  const pods = [...cluster.pods].sort((a, b) => compare(podKey(a), podKey(b)));
  for (const source of pods) {
    // Loopback is not a pair: behaviour towards a pod itself is undefined across plugins.
    const destinations = pods.filter((destination) => destination !== source);
    yield destinations.flatMap((destination) => probes.map((probe) => analysis.flow({ source, destination, probe })));
  }
}

export function podKey(pod: Pod): string {
  return `${pod.namespace}/${pod.name}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

interface Connection {
  source: Pod;
  destination: Pod;
  probe: Probe;
}

interface DirectionVerdict {
  allowed: boolean;
  because: RuleRef[];
}

class Analysis {
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly isolating = new Map<string, NetworkPolicy[]>();

  constructor(
    private readonly cluster: ClusterState,
    private readonly assumptions: Assumptions,
  ) {
    for (const namespace of cluster.namespaces) {
      // The API server always sets this label to the namespace's name.
      this.namespaceLabels.set(namespace.name, { ...namespace.labels, [namespaceNameLabel]: namespace.name });
    }
  }

  flow({ source, destination, probe }: Connection): ExplainedFlow {
    const base = { from: podKey(source), to: podKey(destination), protocol: probe.protocol, port: probe.port };
    const port = typeof probe.port === 'number' ? probe.port : resolveNamedPort(destination, probe.port, probe.protocol);
    // A named probe the destination does not declare (for this protocol) reaches nothing.
    if (port === undefined) return { ...base, allowed: false };
    const target = { destination, protocol: probe.protocol, port };
    const egress = this.verdict({ direction: 'Egress', subject: source, remote: destination, ...target });
    const fromNode = this.fromNode(source);
    const ingress: DirectionVerdict = fromNode ? { allowed: true, because: [] } : this.verdict({ direction: 'Ingress', subject: destination, remote: source, ...target });
    const allowed = egress.allowed && ingress.allowed;
    if (!allowed) return { ...base, allowed, resolvedPort: port };
    return { ...base, allowed, resolvedPort: port, because: { egress: egress.because, ingress: ingress.because, ...(fromNode ? { fromNode } : {}) } };
  }

  /**
   * "Traffic from the pod's node is always allowed" (Network Policies, pod isolation): a
   * hostNetwork sender is node traffic to every pod that is, or may be scheduled, on its node.
   */
  private fromNode(source: Pod): boolean {
    return this.assumptions.hostNetworkPodsBypass && source.hostNetwork;
  }

  private verdict(check: {
    direction: PolicyType;
    subject: Pod;
    remote: Pod;
    destination: Pod;
    protocol: Protocol;
    port: number;
  }): DirectionVerdict {
    const { direction, subject } = check;
    if (this.assumptions.hostNetworkPodsBypass && subject.hostNetwork) return { allowed: true, because: [] };
    const policies = this.isolatingPolicies(subject, direction);
    if (policies.length === 0) return { allowed: true, because: [] };
    const because = policies.flatMap((policy) => {
      const context: RuleContext = { ...check, policyNamespace: policy.namespace, ...this.shared() };
      return rulesFor(policy, direction).flatMap((rule, index) =>
        ruleAllows(rule, context) ? [{ policy: `${policy.namespace}/${policy.name}`, direction, rule: index }] : [],
      );
    });
    return { allowed: because.length > 0, because };
  }

  private shared(): Pick<RuleContext, 'namespaceLabels' | 'assumptions' | 'addressRanges'> {
    const ranges = this.cluster.addressRanges;
    return { namespaceLabels: (namespace) => this.labelsOf(namespace), assumptions: this.assumptions, ...(ranges ? { addressRanges: ranges } : {}) };
  }

  /** A namespace referenced but not declared still carries the label the API server sets. */
  private labelsOf(namespace: string): Record<string, string> {
    return this.namespaceLabels.get(namespace) ?? { [namespaceNameLabel]: namespace };
  }

  private isolatingPolicies(pod: Pod, direction: PolicyType): NetworkPolicy[] {
    const key = `${direction}:${podKey(pod)}`;
    let policies = this.isolating.get(key);
    if (policies === undefined) {
      policies = this.cluster.policies.filter(
        (policy) => policySelectsPod(policy, pod) && effectivePolicyTypes(policy).includes(direction),
      );
      this.isolating.set(key, policies);
    }
    return policies;
  }
}
