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
  IPBlock,
  NetworkPolicy,
  Pod,
  PolicyType,
  Probe,
  Protocol,
  RuleRef,
} from './model.js';
import { CandidateDestinations, type IsolationView } from './candidate-destinations.js';
import {
  effectivePolicyTypes,
  ipBlockMatchesPod,
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

export interface FlowVisitor {
  visit: (flow: ExplainedFlow, source: Pod, destination: Pod) => void;
  /** Pairs the caller accounts for itself, left out (the fleet audit's bare stand-ins, docs/decisions/0031). */
  skip?: (source: Pod, destination: Pod) => boolean;
}

/**
 * Calls `visit` with every allowed flow, one block of destinations of one source pod at a time with
 * a turn of the event loop between blocks, and keeps nothing: a fleet of hundreds of pods is
 * hundreds of thousands of pairs, and a process that also renews a leader Lease must not stop
 * answering for the seconds that takes. Refused flows are not built. Keeping the allowed ones
 * instead was most of the audit's memory once many namespaces had no policies yet (allowed flows
 * grow with the square of those), and scanning that list per tenant stalled the loop for minutes
 * (docs/decisions/0024, 0031). Resolves with the number of ordered pairs judged.
 *
 * Only the pairs whose namespaces the policies could admit both ways are judged one by one
 * (candidate-destinations.ts, docs/decisions/0059); the others are refused on every probe and are
 * counted as judged, unless `skip` leaves them out, exactly as visitEveryPair counts them. Flows
 * come in the same order as there: sources, then destinations, in name order, then probes.
 */
export async function visitAllowedFlows(
  cluster: ClusterState,
  probes: readonly Probe[],
  assumptions: Assumptions,
  visitor: FlowVisitor,
): Promise<number> {
  let judged = 0;
  const analysis = new Analysis(cluster, assumptions);
  const pods = sortedPods(cluster);
  const candidates = new CandidateDestinations(pods, analysis, assumptions);
  for (const source of pods) {
    const destinations = candidates.of(source);
    judged += refusedByNamespace(source, pods, destinations, visitor.skip);
    // In blocks of destinations: a source pod's pairs can be a second of CPU, which a loaded machine
    // stretches past the Lease's renew deadline (docs/decisions/0024); a turn per source at least.
    for (let start = 0; start === 0 || start < destinations.length; start += destinationsPerTurn) {
      judged += visitBlock(analysis, source, destinations.slice(start, start + destinationsPerTurn), { probes, ...visitor });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return judged;
}

/**
 * The pairs of `source` left out of its candidates, as the exhaustive visit counts them: each one
 * judged unless `skip` leaves it out. Asking `skip` is the one step that still runs over every pair
 * (a cheap call), so that a caller's skip keeps its meaning whatever the pruning left out.
 */
function refusedByNamespace(source: Pod, pods: readonly Pod[], candidates: readonly Pod[], skip: FlowVisitor['skip']): number {
  const pruned = pods.length - 1 - candidates.length;
  if (skip === undefined || pruned === 0) return pruned;
  // Both lists are in the same order: walk them together to find the pairs left out.
  let next = 0;
  let skipped = 0;
  for (const destination of pods) {
    if (destination === candidates[next]) next += 1;
    else if (destination !== source && skip(source, destination)) skipped += 1;
  }
  return pruned - skipped;
}

/**
 * The reference visitAllowedFlows is tested against and measured beside: every ordered pair of
 * distinct pods judged one by one (pods² × probes verdicts), no pruning.
 */
export async function visitEveryPair(
  cluster: ClusterState,
  probes: readonly Probe[],
  assumptions: Assumptions,
  visitor: FlowVisitor,
): Promise<number> {
  let judged = 0;
  const analysis = new Analysis(cluster, assumptions);
  const pods = sortedPods(cluster);
  for (const source of pods) {
    for (let start = 0; start < pods.length; start += destinationsPerTurn) {
      judged += visitBlock(analysis, source, pods.slice(start, start + destinationsPerTurn), { probes, ...visitor });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
  return judged;
}

function sortedPods(cluster: ClusterState): Pod[] {
  return [...cluster.pods].sort((a, b) => compare(podKey(a), podKey(b)));
}

function visitBlock(
  analysis: Analysis,
  source: Pod,
  destinations: readonly Pod[],
  { probes, visit, skip }: FlowVisitor & { probes: readonly Probe[] },
): number {
  let judged = 0;
  for (const destination of destinations) {
    // Loopback is not a pair: behaviour towards a pod itself is undefined across plugins.
    if (destination === source || skip?.(source, destination)) continue;
    judged += 1;
    for (const probe of probes) {
      const flow = analysis.allowedFlow({ source, destination, probe });
      if (flow) visit(flow, source, destination);
    }
  }
  return judged;
}

/** Every source pod's flows to every other pod, source by source in name order. */
function* flowsBySource(cluster: ClusterState, probes: readonly Probe[], assumptions: Assumptions): Generator<ExplainedFlow[]> {
  const analysis = new Analysis(cluster, assumptions);
  const pods = sortedPods(cluster);
  for (const source of pods) {
    const flows: ExplainedFlow[] = [];
    for (const destination of pods) {
      // Loopback is not a pair: behaviour towards a pod itself is undefined across plugins.
      if (destination === source) continue;
      for (const probe of probes) flows.push(analysis.flow({ source, destination, probe }));
    }
    yield flows;
  }
}

const destinationsPerTurn = 128;

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

interface Judged {
  /** Undefined when a named probe port is not declared by the destination. */
  port?: number;
  allowed: boolean;
  egress?: DirectionVerdict;
  ingress?: DirectionVerdict;
  fromNode: boolean;
}

class Analysis implements IsolationView {
  private readonly namespaceLabels = new Map<string, Record<string, string>>();
  private readonly isolating = { Ingress: new Map<Pod, NetworkPolicy[]>(), Egress: new Map<Pod, NetworkPolicy[]>() };
  /** A policy selects pods of its own namespace only: looking there, not through every policy of the cluster, for every pod. */
  private readonly policiesByNamespace = new Map<string, NetworkPolicy[]>();
  /** What every rule context shares, built once rather than per flow (the analysis is pods² × probes flows). */
  private readonly sharedContext: Pick<RuleContext, 'namespaceLabels' | 'assumptions' | 'addressRanges'>;

  constructor(
    private readonly cluster: ClusterState,
    private readonly assumptions: Assumptions,
  ) {
    for (const namespace of cluster.namespaces) {
      // The API server always sets this label to the namespace's name.
      this.namespaceLabels.set(namespace.name, { ...namespace.labels, [namespaceNameLabel]: namespace.name });
    }
    for (const policy of cluster.policies) {
      const inNamespace = this.policiesByNamespace.get(policy.namespace) ?? [];
      if (inNamespace.length === 0) this.policiesByNamespace.set(policy.namespace, inNamespace);
      inNamespace.push(policy);
    }
    const ranges = cluster.addressRanges;
    this.sharedContext = {
      namespaceLabels: (namespace) => this.labelsOf(namespace),
      assumptions,
      ...(ranges ? { addressRanges: ranges } : {}),
    };
  }

  flow(connection: Connection): ExplainedFlow {
    const judged = this.judge(connection);
    const { source, destination, probe } = connection;
    const base = { from: podKey(source), to: podKey(destination), protocol: probe.protocol, port: probe.port };
    // A named probe the destination does not declare (for this protocol) reaches nothing.
    if (judged.port === undefined) return { ...base, allowed: false };
    if (!judged.allowed) return { ...base, allowed: false, resolvedPort: judged.port };
    return this.allowed(connection, judged);
  }

  /** The flow only when it is allowed; nothing is built for a refused one. */
  allowedFlow(connection: Connection): ExplainedFlow | undefined {
    const judged = this.judge(connection);
    return judged.allowed ? this.allowed(connection, judged) : undefined;
  }

  private allowed({ source, destination, probe }: Connection, judged: Judged): ExplainedFlow {
    const { egress, ingress, fromNode } = judged;
    return {
      from: podKey(source),
      to: podKey(destination),
      protocol: probe.protocol,
      port: probe.port,
      allowed: true,
      resolvedPort: judged.port,
      because: { egress: egress?.because ?? [], ingress: ingress?.because ?? [], ...(fromNode ? { fromNode } : {}) },
    };
  }

  private judge({ source, destination, probe }: Connection): Judged {
    const port = typeof probe.port === 'number' ? probe.port : resolveNamedPort(destination, probe.port, probe.protocol);
    if (port === undefined) return { allowed: false, fromNode: false };
    const target = { destination, protocol: probe.protocol, port };
    const egress = this.verdict({ direction: 'Egress', subject: source, remote: destination, ...target });
    const fromNode = this.fromNode(source);
    if (!egress.allowed) return { port, allowed: false, fromNode };
    const ingress: DirectionVerdict = fromNode
      ? { allowed: true, because: [] }
      : this.verdict({ direction: 'Ingress', subject: destination, remote: source, ...target });
    return { port, allowed: ingress.allowed, egress, ingress, fromNode };
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
      const context: RuleContext = { ...check, policyNamespace: policy.namespace, ...this.sharedContext };
      return rulesFor(policy, direction).flatMap((rule, index) =>
        ruleAllows(rule, context) ? [{ policy: `${policy.namespace}/${policy.name}`, direction, rule: index }] : [],
      );
    });
    return { allowed: because.length > 0, because };
  }

  /** Whether an ipBlock peer matches this pod at the other end, as a rule's verdict decides it. */
  ipBlockMatches(block: IPBlock, remote: Pod): boolean {
    return ipBlockMatchesPod(block, { remote, ...this.sharedContext });
  }

  /** A namespace referenced but not declared still carries the label the API server sets. */
  labelsOf(namespace: string): Record<string, string> {
    return this.namespaceLabels.get(namespace) ?? { [namespaceNameLabel]: namespace };
  }

  isolatingPolicies(pod: Pod, direction: PolicyType): NetworkPolicy[] {
    const cache = this.isolating[direction];
    let policies = cache.get(pod);
    if (policies === undefined) {
      policies = (this.policiesByNamespace.get(pod.namespace) ?? []).filter(
        (policy) => policySelectsPod(policy, pod) && effectivePolicyTypes(policy).includes(direction),
      );
      cache.set(pod, policies);
    }
    return policies;
  }
}
