/**
 * The rules of networking.k8s.io/v1 NetworkPolicy that decide whether one rule allows one
 * connection: policyTypes defaulting, which pods a policy selects, how a peer matches a pod, and
 * how a port entry matches a destination port. Comments quote the API reference they implement.
 */
import { mayAdmitUnknownAddress } from './address-ranges.js';
import { cidrContains } from './cidr.js';
import type {
  AddressRanges,
  Assumptions,
  IPBlock,
  NetworkPolicy,
  Pod,
  PolicyPeer,
  PolicyPort,
  PolicyRule,
  PolicyType,
  Protocol,
} from './model.js';
import { selectorMatches } from './selectors.js';

/** The label the API server sets on every namespace (NamespaceDefaultLabelName). */
export const namespaceNameLabel = 'kubernetes.io/metadata.name';

/**
 * SetDefaults_NetworkPolicySpec: when policyTypes is empty, Ingress is always implied and Egress
 * is added only when the egress list is non-empty (`egress: []` does not make it Egress).
 */
export function effectivePolicyTypes(policy: NetworkPolicy): PolicyType[] {
  if (policy.policyTypes !== undefined && policy.policyTypes.length > 0) return policy.policyTypes;
  return (policy.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

/** spec.podSelector selects pods in the policy's own namespace only; `{}` selects all of them. */
export function policySelectsPod(policy: NetworkPolicy, pod: Pod): boolean {
  return policy.namespace === pod.namespace && selectorMatches(policy.podSelector, pod.labels);
}

/** The rules of a policy for one direction; a missing list means no rule (deny all). */
export function rulesFor(policy: NetworkPolicy, direction: PolicyType): PolicyRule[] {
  return (direction === 'Ingress' ? policy.ingress : policy.egress) ?? [];
}

/** The container port of a pod with this name AND this protocol (named ports are per protocol). */
export function resolveNamedPort(pod: Pod, name: string, protocol: Protocol): number | undefined {
  return pod.ports.find((port) => port.name === name && port.protocol === protocol)?.containerPort;
}

/** One connection seen from a policy rule: the pod at the other end and the destination port. */
export interface RuleContext {
  policyNamespace: string;
  /** The pod the rule's peers must match: the source for ingress, the destination for egress. */
  remote: Pod;
  /** Ports always refer to the destination pod, also in egress rules. */
  destination: Pod;
  protocol: Protocol;
  port: number;
  namespaceLabels: (namespace: string) => Record<string, string>;
  assumptions: Assumptions;
  addressRanges?: AddressRanges;
}

/**
 * "If this field is empty or missing, this rule matches all sources/destinations"; likewise for
 * ports. Otherwise the rule needs one matching peer AND one matching port (peers and ports are
 * each OR-ed lists).
 */
export function ruleAllows(rule: PolicyRule, context: RuleContext): boolean {
  const peers = rule.peers ?? [];
  const ports = rule.ports ?? [];
  const peerMatched = peers.length === 0 || peers.some((peer) => peerMatches(peer, context));
  return peerMatched && (ports.length === 0 || ports.some((port) => portMatches(port, context)));
}

/**
 * A peer with an ipBlock matches by address only; pod and namespace selectors never match traffic
 * from or to outside the cluster. With selectors: podSelector alone means the policy's namespace;
 * namespaceSelector and podSelector together are AND-ed within the one peer.
 */
export function peerMatches(peer: PolicyPeer, context: RuleContext): boolean {
  if (peer.ipBlock !== undefined) return ipBlockMatchesPod(peer.ipBlock, context);
  if (peer.namespaceSelector === undefined && peer.podSelector === undefined) return false;
  const { remote } = context;
  const namespaceMatched =
    peer.namespaceSelector === undefined
      ? remote.namespace === context.policyNamespace
      : selectorMatches(peer.namespaceSelector, context.namespaceLabels(remote.namespace));
  return namespaceMatched && (peer.podSelector === undefined || selectorMatches(peer.podSelector, remote.labels));
}

/**
 * Whether an ipBlock covers a pod is left to the plugin (cluster-internal addresses may be
 * rewritten); under the ipBlockMatchesPodIPs assumption it does when status.podIP is inside the
 * cidr and outside every except. A pod without a known IP (pending, or a pod that may start
 * later) may get any address of its ranges, so it is matched unless the block rules all of them out.
 */
export function ipBlockMatchesPod(block: IPBlock, context: Pick<RuleContext, 'remote' | 'assumptions' | 'addressRanges'>): boolean {
  if (!context.assumptions.ipBlockMatchesPodIPs) return false;
  const { podIP: ip, hostNetwork } = context.remote;
  if (ip === undefined) return mayAdmitUnknownAddress(block, hostNetwork ? context.addressRanges?.nodes : context.addressRanges?.pods);
  return cidrContains(block.cidr, ip) && !(block.except ?? []).some((except) => cidrContains(except, ip));
}

/**
 * protocol defaults to TCP; a missing port means every port of that protocol; a named port is
 * the destination pod's container port with that name and protocol; endPort makes an inclusive
 * range (enforced as the single `port` by plugins that do not support it).
 */
export function portMatches(entry: PolicyPort, context: RuleContext): boolean {
  if ((entry.protocol ?? 'TCP') !== context.protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'string') return resolveNamedPort(context.destination, entry.port, context.protocol) === context.port;
  const last = entry.endPort !== undefined && context.assumptions.endPortSupported ? entry.endPort : entry.port;
  return context.port >= entry.port && context.port <= last;
}
