/**
 * The shapes the offline NetworkPolicy analyzer works on: namespaces, pods and NetworkPolicies as
 * read from manifests (only the fields the networking.k8s.io/v1 semantics look at), the probes an
 * auditor asks about, the assumptions that fill the gaps the specification leaves, and the flows
 * the analyzer answers with.
 */

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export const protocols: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** A metav1.LabelSelector. An empty selector (`{}`) selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface Namespace {
  name: string;
  /** Includes `kubernetes.io/metadata.name`, which the API server always sets. */
  labels: Record<string, string>;
}

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol: Protocol;
}

export interface Pod {
  namespace: string;
  name: string;
  labels: Record<string, string>;
  /** The ports of all regular containers, which is what named ports resolve against. */
  ports: ContainerPort[];
  podIP?: string;
  hostNetwork: boolean;
}

export interface IPBlock {
  cidr: string;
  except?: string[];
}

/** A NetworkPolicyPeer. Absent selectors are `undefined`; `{}` is an empty (match-all) selector. */
export interface PolicyPeer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: IPBlock;
}

/** A NetworkPolicyPort: `port` may be a number or an IANA_SVC_NAME (a named port). */
export interface PolicyPort {
  protocol?: Protocol;
  port?: number | string;
  endPort?: number;
}

/** One ingress or egress rule; `peers` is `from` for ingress and `to` for egress. */
export interface PolicyRule {
  peers?: PolicyPeer[];
  ports?: PolicyPort[];
}

export type PolicyType = 'Ingress' | 'Egress';

export interface NetworkPolicy {
  namespace: string;
  name: string;
  podSelector: LabelSelector;
  /** As written; the analyzer applies the API server's defaulting when it is absent or empty. */
  policyTypes?: PolicyType[];
  ingress?: PolicyRule[];
  egress?: PolicyRule[];
}

/**
 * Where pod addresses come from: the pod ranges for pods, the node addresses for hostNetwork pods.
 * A pod whose address is not known yet may get any address of its ranges, or any address at all
 * when they are not given.
 */
export interface AddressRanges {
  pods?: string[];
  nodes?: string[];
}

export interface ClusterState {
  namespaces: Namespace[];
  pods: Pod[];
  policies: NetworkPolicy[];
  addressRanges?: AddressRanges;
}

/** What an auditor asks: may this protocol reach this port (a number or a named port)? */
export interface Probe {
  protocol: Protocol;
  port: number | string;
}

/**
 * Choices for behaviour the NetworkPolicy specification leaves to the network plugin. Defaults are
 * the worst case for isolation, so that a "not allowed" verdict holds on any conforming plugin.
 */
export interface Assumptions {
  /**
   * An ipBlock whose range covers a pod's status.podIP matches that pod's traffic; a pod without
   * an IP is matched by every block that may admit an address it could get (see AddressRanges).
   */
  ipBlockMatchesPodIPs: boolean;
  /** The plugin honours `endPort`; when false a port range is enforced as its first port only. */
  endPortSupported: boolean;
  /**
   * Policies that select a hostNetwork pod do not isolate it, and its traffic is node traffic,
   * which every pod admits from its own node whatever its policies (and any pod may be scheduled
   * onto that node).
   */
  hostNetworkPodsBypass: boolean;
  /** Fixed: a pod talking to itself is not listed (the e2e suite ignores loopback too). */
  loopbackPairsListed: false;
}

export interface Flow {
  from: string;
  to: string;
  protocol: Protocol;
  port: number | string;
  allowed: boolean;
}

/** Names one rule: `ns/policy`, its direction and the rule's index in that direction's list. */
export interface RuleRef {
  policy: string;
  direction: PolicyType;
  rule: number;
}

/**
 * Why an allowed flow is allowed: the rules that allow it on each side. An empty list means that
 * side is not isolated for that direction (no policy selects it, or it bypasses policies).
 */
export interface FlowReasons {
  egress: RuleRef[];
  ingress: RuleRef[];
  /** The sender is a hostNetwork pod: the destination admits it as traffic from a node. */
  fromNode?: boolean;
}

export interface ExplainedFlow extends Flow {
  /** The destination port the probe resolved to; absent when a named port does not resolve. */
  resolvedPort?: number;
  because?: FlowReasons;
}

export interface AnalysisResult {
  assumptions: Assumptions;
  flows: Flow[];
}

export interface ExplainedAnalysisResult {
  assumptions: Assumptions;
  flows: ExplainedFlow[];
}
