/**
 * Which destinations a source pod could reach at all, decided per namespace before any flow is
 * judged (docs/decisions/0059). A pod isolated in a direction is allowed only by a rule with a
 * matching peer, and whether any peer of its rules could match a remote pod depends, for selector
 * peers, on the remote's namespace first: a podSelector-only peer matches only in the policy's own
 * namespace, a namespaceSelector only in the namespaces its labels match. So each pod gets, per
 * direction, the namespaces on the other end any of its rules could admit, or "any" (not isolated,
 * bypassing, a rule without peers). An ipBlock peer matches by address, in any namespace: on the
 * ingress side it makes the pod open to any source; on the egress side the block is kept and
 * tried on each candidate with the verdicts' own ipBlock rule. A pair where either side rules out
 * the other is refused whatever the ports, probes or pod labels, and is never judged one by one.
 * The sets are supersets of what the rules admit (pod selectors and ports are left to the exact
 * judgement), so pruning never drops an allowed flow; the equivalence tests check it.
 */
import type { Assumptions, IPBlock, LabelSelector, NetworkPolicy, Pod, PolicyPeer, PolicyType } from './model.js';
import { rulesFor } from './policy-semantics.js';
import { selectorMatches } from './selectors.js';

/** The pods on the other end a pod's rules could admit in one direction: any, or those in some namespaces and those an ipBlock matches. */
export type RemoteReach = 'any' | { namespaces: ReadonlySet<string>; blocks: readonly IPBlock[] };

/** What the exact analysis knows and the pruning reuses, so both read the policies the same way. */
export interface IsolationView {
  isolatingPolicies(pod: Pod, direction: PolicyType): readonly NetworkPolicy[];
  labelsOf(namespace: string): Record<string, string>;
  /** The verdicts' own rule for an ipBlock peer and the pod at the other end. */
  ipBlockMatches(block: IPBlock, remote: Pod): boolean;
}

/**
 * The candidate destinations of every source, among `pods` (in the order flows are visited):
 * indexes built once, O(pods + namespaces × distinct selectors), then each source's candidates in
 * time proportional to the pods that could admit its namespace.
 */
export class CandidateDestinations {
  private readonly order = new Map<Pod, number>();
  private readonly podsByNamespace = new Map<string, Pod[]>();
  /** Destinations whose ingress admits any namespace. */
  private readonly openIngress: Pod[] = [];
  private readonly open = new Set<Pod>();
  /** Per source namespace, the destinations whose ingress names it. */
  private readonly admitting = new Map<string, Pod[]>();
  private readonly reach: PolicyReach;
  /** Per ipBlock (by value) and pod, whether the block matches the pod: blocks repeat across tenants. */
  private readonly blockMatches = new Map<string, Map<Pod, boolean>>();

  constructor(
    private readonly pods: readonly Pod[],
    private readonly view: IsolationView,
    private readonly assumptions: Assumptions,
  ) {
    pods.forEach((pod, index) => {
      this.order.set(pod, index);
      appendTo(this.podsByNamespace, pod.namespace, pod);
    });
    this.reach = new PolicyReach([...this.podsByNamespace.keys()], (namespace) => view.labelsOf(namespace));
    for (const destination of pods) {
      const ingress = this.remoteReach(destination, 'Ingress');
      // Sources an ipBlock admits are not indexed by address: such a destination is open to all.
      if (ingress === 'any' || ingress.blocks.length > 0) {
        this.openIngress.push(destination);
        this.open.add(destination);
      } else for (const namespace of ingress.namespaces) appendTo(this.admitting, namespace, destination);
    }
  }

  /** The pods `source` could send to, in `pods`' order, without `source` itself. */
  of(source: Pod): Pod[] {
    // Node traffic: the destination's ingress rules do not apply, and the sender bypasses its own.
    if (this.bypasses(source)) return this.pods.filter((pod) => pod !== source);
    const egress = this.remoteReach(source, 'Egress');
    const admitting = this.admitting.get(source.namespace) ?? [];
    const candidates =
      egress === 'any'
        ? mergeInOrder(this.openIngress, admitting, this.order)
        : egress.blocks.length > 0
          ? this.byAddressOrNamespace(egress, admitting)
          : this.withinEgress(egress.namespaces, admitting);
    return candidates.filter((pod) => pod !== source);
  }

  /** Destinations in the egress namespaces whose ingress admits the source's namespace. */
  private withinEgress(egress: ReadonlySet<string>, admitting: readonly Pod[]): Pod[] {
    const viaEgress = [...egress].flatMap((namespace) => this.podsByNamespace.get(namespace) ?? []);
    // Walk the shorter side and test membership in the other.
    if (viaEgress.length < this.openIngress.length + admitting.length) {
      const admitsSource = new Set(admitting);
      const found = viaEgress.filter((pod) => this.open.has(pod) || admitsSource.has(pod));
      return found.sort((a, b) => (this.order.get(a) as number) - (this.order.get(b) as number));
    }
    return mergeInOrder(this.openIngress, admitting, this.order).filter((pod) => egress.has(pod.namespace));
  }

  /** Destinations whose ingress admits the source, in an egress namespace or matched by an egress ipBlock. */
  private byAddressOrNamespace(egress: Exclude<RemoteReach, 'any'>, admitting: readonly Pod[]): Pod[] {
    return mergeInOrder(this.openIngress, admitting, this.order).filter(
      (pod) => egress.namespaces.has(pod.namespace) || egress.blocks.some((block) => this.matchesByAddress(block, pod)),
    );
  }

  private matchesByAddress(block: IPBlock, pod: Pod): boolean {
    const key = JSON.stringify(block);
    let byPod = this.blockMatches.get(key);
    if (byPod === undefined) {
      byPod = new Map();
      this.blockMatches.set(key, byPod);
    }
    let matches = byPod.get(pod);
    if (matches === undefined) {
      matches = this.view.ipBlockMatches(block, pod);
      byPod.set(pod, matches);
    }
    return matches;
  }

  /** A hostNetwork pod under hostNetworkPodsBypass: its policies do not isolate it, and it sends as the node. */
  private bypasses(pod: Pod): boolean {
    return this.assumptions.hostNetworkPodsBypass && pod.hostNetwork;
  }

  /** Memoised by PolicyReach per set of isolating policies. */
  private remoteReach(pod: Pod, direction: PolicyType): RemoteReach {
    if (this.bypasses(pod)) return 'any';
    const policies = this.view.isolatingPolicies(pod, direction);
    if (policies.length === 0) return 'any';
    return this.reach.ofPolicies(policies, direction);
  }
}

/** The namespaces each policy's rules could admit, memoised per selector, policy and set of policies. */
class PolicyReach {
  private readonly bySelector = new Map<string, ReadonlySet<string>>();
  private readonly byPolicy = { Ingress: new Map<NetworkPolicy, RemoteReach>(), Egress: new Map<NetworkPolicy, RemoteReach>() };
  private readonly bySet = { Ingress: new Map<string, RemoteReach>(), Egress: new Map<string, RemoteReach>() };
  private readonly policyIds = new Map<NetworkPolicy, number>();
  private readonly byLabel = new Map<string, string[]>();

  /** `namespaces`: every namespace a remote pod can be in (the pods' namespaces). */
  constructor(
    private readonly namespaces: readonly string[],
    private readonly labelsOf: (namespace: string) => Record<string, string>,
  ) {
    for (const namespace of namespaces) {
      for (const [key, value] of Object.entries(labelsOf(namespace))) appendTo(this.byLabel, labelKey(key, value), namespace);
    }
  }

  ofPolicies(policies: readonly NetworkPolicy[], direction: PolicyType): RemoteReach {
    const key = policies.map((policy) => this.idOf(policy)).join(',');
    let reach = this.bySet[direction].get(key);
    if (reach === undefined) {
      reach = this.union(policies.map((policy) => this.ofPolicy(policy, direction)));
      this.bySet[direction].set(key, reach);
    }
    return reach;
  }

  private ofPolicy(policy: NetworkPolicy, direction: PolicyType): RemoteReach {
    let reach = this.byPolicy[direction].get(policy);
    if (reach === undefined) {
      // A rule without peers (`from`/`to` empty or missing) admits every source or destination.
      const rules = rulesFor(policy, direction);
      reach = rules.some((rule) => (rule.peers ?? []).length === 0)
        ? 'any'
        : this.union(rules.flatMap((rule) => (rule.peers ?? []).map((peer) => this.ofPeer(peer, policy.namespace))));
      this.byPolicy[direction].set(policy, reach);
    }
    return reach;
  }

  /** Mirrors peerMatches: an ipBlock matches by address, in any namespace; selectors by namespace first. */
  private ofPeer(peer: PolicyPeer, policyNamespace: string): RemoteReach {
    if (peer.ipBlock !== undefined) return { namespaces: new Set(), blocks: [peer.ipBlock] };
    if (peer.namespaceSelector === undefined && peer.podSelector === undefined) return { namespaces: new Set(), blocks: [] };
    if (peer.namespaceSelector === undefined) return { namespaces: new Set([policyNamespace]), blocks: [] };
    return { namespaces: this.matching(peer.namespaceSelector), blocks: [] };
  }

  /** The namespaces whose labels (with kubernetes.io/metadata.name) the selector matches. */
  private matching(selector: LabelSelector): ReadonlySet<string> {
    const key = JSON.stringify(selector);
    let matched = this.bySelector.get(key);
    if (matched === undefined) {
      matched = new Set(this.candidatesFor(selector).filter((namespace) => selectorMatches(selector, this.labelsOf(namespace))));
      this.bySelector.set(key, matched);
    }
    return matched;
  }

  /** A selector with a matchLabels entry can only match namespaces carrying that label: look those up. */
  private candidatesFor(selector: LabelSelector): readonly string[] {
    const [first] = Object.entries(selector.matchLabels ?? {});
    return first === undefined ? this.namespaces : (this.byLabel.get(labelKey(...first)) ?? []);
  }

  /** Namespaces naming every namespace a pod is in admit as much as "any". */
  private union(parts: readonly RemoteReach[]): RemoteReach {
    const namespaces = new Set<string>();
    const blocks = new Map<string, IPBlock>();
    for (const part of parts) {
      if (part === 'any') return 'any';
      for (const namespace of part.namespaces) namespaces.add(namespace);
      for (const block of part.blocks) blocks.set(JSON.stringify(block), block);
    }
    return namespaces.size === this.namespaces.length ? 'any' : { namespaces, blocks: [...blocks.values()] };
  }

  private idOf(policy: NetworkPolicy): number {
    let id = this.policyIds.get(policy);
    if (id === undefined) {
      id = this.policyIds.size;
      this.policyIds.set(policy, id);
    }
    return id;
  }
}

function labelKey(key: string, value: string): string {
  return `${key}\u0000${value}`;
}

function appendTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Two lists each in visiting order, disjoint, merged into one in that order. */
function mergeInOrder(a: readonly Pod[], b: readonly Pod[], order: ReadonlyMap<Pod, number>): Pod[] {
  if (b.length === 0) return [...a];
  if (a.length === 0) return [...b];
  const merged: Pod[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const next = j >= b.length || (i < a.length && (order.get(a[i] as Pod) as number) < (order.get(b[j] as Pod) as number));
    merged.push((next ? a[i++] : b[j++]) as Pod);
  }
  return merged;
}
