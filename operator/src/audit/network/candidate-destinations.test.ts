/**
 * The pruned visit (visitAllowedFlows) against the exhaustive one (visitEveryPair): the same
 * allowed flows in the same order and the same count of pairs judged, on many random small
 * clusters with every kind of peer, selector operator, port and assumption, and on the cases where
 * a namespace-level shortcut is easiest to get wrong. A failing random cluster prints its seed:
 * `CANDIDATE_SEED=<seed> SPEC=operator/src/audit/network/candidate-destinations.test.ts make test-unit`.
 */
import assert from 'node:assert/strict';
import { defaultAssumptions } from './assumptions.js';
import { CandidateDestinations, type IsolationView } from './candidate-destinations.js';
import type {
  Assumptions,
  ClusterState,
  LabelSelector,
  LabelSelectorRequirement,
  NetworkPolicy,
  Pod,
  PolicyPeer,
  PolicyPort,
  PolicyRule,
  PolicyType,
  Probe,
  Protocol,
} from './model.js';
import { effectivePolicyTypes, ipBlockMatchesPod, namespaceNameLabel, policySelectsPod } from './policy-semantics.js';
import { podKey, visitAllowedFlows, visitEveryPair, type FlowVisitor } from './reachability.js';

interface Visit {
  flows: string[];
  judged: number;
}

type Skip = FlowVisitor['skip'];

async function record(
  visitFlows: typeof visitAllowedFlows,
  cluster: ClusterState,
  probes: readonly Probe[],
  options: { assumptions: Assumptions; skip?: Skip },
): Promise<Visit> {
  const flows: string[] = [];
  const judged = await visitFlows(cluster, probes, options.assumptions, {
    visit: (flow, source, destination) => flows.push(`${podKey(source)} > ${podKey(destination)} ${JSON.stringify(flow)}`),
    ...(options.skip ? { skip: options.skip } : {}),
  });
  return { flows, judged };
}

/** Both visits of one cluster; asserts they agree and returns the pruned one. */
async function bothAgree(
  cluster: ClusterState,
  probes: readonly Probe[],
  options: { assumptions: Assumptions; skip?: Skip; label?: string },
): Promise<Visit> {
  const pruned = await record(visitAllowedFlows, cluster, probes, options);
  const exhaustive = await record(visitEveryPair, cluster, probes, options);
  assert.deepEqual(pruned, exhaustive, options.label);
  return pruned;
}

/** mulberry32: a small seeded PRNG, so a failing cluster can be generated again from its seed. */
class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(below: number): number {
    return Math.floor(this.next() * below);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(list: readonly T[]): T {
    return list[this.int(list.length)] as T;
  }

  some<T>(list: readonly T[], most: number): T[] {
    return Array.from({ length: this.int(most + 1) }, () => this.pick(list));
  }
}

const namespaceNames = ['a', 'b', 'c', 'd'];
const labelKeys = ['team', 'env', namespaceNameLabel];
const labelValues = ['x', 'y', 'a', 'b'];
const operators: LabelSelectorRequirement['operator'][] = ['In', 'NotIn', 'Exists', 'DoesNotExist'];
const cidrs = ['10.0.0.0/24', '10.0.1.0/24', '10.0.0.2/32', '10.0.0.0/23', '192.168.0.0/24', '0.0.0.0/0', '172.16.0.0/16'];
const excepts = ['10.0.0.0/30', '10.0.0.2/32', '10.0.1.0/25', '192.168.0.1/32'];
const protocolsUsed: Protocol[] = ['TCP', 'UDP', 'SCTP'];
const portsUsed: (number | string)[] = [80, 53, 8080, 'web', 'dns'];
const allProbes: Probe[] = [
  { protocol: 'TCP', port: 80 },
  { protocol: 'TCP', port: 'web' },
  { protocol: 'UDP', port: 53 },
  { protocol: 'UDP', port: 'dns' },
  { protocol: 'TCP', port: 8080 },
  { protocol: 'SCTP', port: 'web' },
];

function labels(random: Random, keys: readonly string[]): Record<string, string> {
  return Object.fromEntries(random.some(keys, 2).map((key) => [key, random.pick(labelValues)]));
}

function selector(random: Random): LabelSelector {
  const chosen: LabelSelector = {};
  if (random.chance(0.5)) chosen.matchLabels = labels(random, labelKeys);
  if (random.chance(0.5)) {
    chosen.matchExpressions = random.some(labelKeys, 2).map((key) => {
      const operator = random.pick(operators);
      return operator === 'In' || operator === 'NotIn' ? { key, operator, values: random.some(labelValues, 2) } : { key, operator };
    });
  }
  return chosen;
}

function peer(random: Random): PolicyPeer {
  switch (random.int(5)) {
    case 0:
      return {};
    case 1:
      return { podSelector: selector(random) };
    case 2:
      return { namespaceSelector: selector(random) };
    case 3:
      return { namespaceSelector: selector(random), podSelector: selector(random) };
    default:
      return { ipBlock: random.chance(0.5) ? { cidr: random.pick(cidrs), except: random.some(excepts, 2) } : { cidr: random.pick(cidrs) } };
  }
}

function port(random: Random): PolicyPort {
  const entry: PolicyPort = {};
  if (random.chance(0.7)) entry.protocol = random.pick(protocolsUsed);
  if (random.chance(0.8)) entry.port = random.pick(portsUsed);
  if (typeof entry.port === 'number' && random.chance(0.4)) entry.endPort = entry.port + random.int(8000);
  return entry;
}

function rule(random: Random): PolicyRule {
  const chosen: PolicyRule = {};
  // Missing, empty and listed peers and ports: missing or empty both mean "all".
  const peers = random.int(4);
  if (peers > 0) chosen.peers = Array.from({ length: peers - 1 }, () => peer(random));
  const ports = random.int(3);
  if (ports > 0) chosen.ports = Array.from({ length: ports - 1 }, () => port(random));
  return chosen;
}

function rules(random: Random): PolicyRule[] | undefined {
  const count = random.int(4);
  return count === 0 ? undefined : Array.from({ length: count - 1 }, () => rule(random));
}

const policyTypeChoices: (PolicyType[] | undefined)[] = [undefined, [], ['Ingress'], ['Egress'], ['Ingress', 'Egress']];

function policy(random: Random, index: number): NetworkPolicy {
  const chosen: NetworkPolicy = {
    namespace: random.pick(namespaceNames),
    name: `np-${index}`,
    podSelector: random.chance(0.5) ? {} : selector(random),
  };
  const types = random.pick(policyTypeChoices);
  const ingress = rules(random);
  const egress = rules(random);
  return { ...chosen, ...(types ? { policyTypes: types } : {}), ...(ingress ? { ingress } : {}), ...(egress ? { egress } : {}) };
}

function pod(random: Random, index: number): Pod {
  const hostNetwork = random.chance(0.2);
  const podIP = hostNetwork ? `192.168.0.${random.int(3)}` : `10.0.${random.int(2)}.${random.int(4)}`;
  const ports = random.some(
    [
      { name: 'web', containerPort: 80, protocol: 'TCP' as const },
      { name: 'web', containerPort: 8080, protocol: 'TCP' as const },
      { name: 'dns', containerPort: 53, protocol: 'UDP' as const },
      { name: 'web', containerPort: 80, protocol: 'SCTP' as const },
      { containerPort: 53, protocol: 'TCP' as const },
    ],
    2,
  );
  return {
    namespace: random.pick(namespaceNames),
    name: `p-${index}`,
    labels: labels(random, ['team', 'app']),
    ports,
    hostNetwork,
    ...(random.chance(0.8) ? { podIP } : {}),
  };
}

function cluster(random: Random): ClusterState {
  // Some namespaces are not declared: they carry only kubernetes.io/metadata.name.
  const namespaces = namespaceNames
    .filter(() => random.chance(0.7))
    .map((name) => ({ name, labels: { ...labels(random, ['team', 'env']), [namespaceNameLabel]: name } }));
  const ranges = random.pick([undefined, { pods: ['10.0.0.0/23'], nodes: ['192.168.0.0/24'] }, { pods: ['10.0.0.0/24'] }]);
  return {
    namespaces,
    pods: Array.from({ length: 2 + random.int(6) }, (_, i) => pod(random, i)),
    policies: Array.from({ length: random.int(6) }, (_, i) => policy(random, i)),
    ...(ranges ? { addressRanges: ranges } : {}),
  };
}

function assumptions(random: Random): Assumptions {
  return {
    ipBlockMatchesPodIPs: random.chance(0.7),
    endPortSupported: random.chance(0.7),
    hostNetworkPodsBypass: random.chance(0.7),
    loopbackPairsListed: false,
  };
}

/** Leaves out a random fifth of the ordered pairs, the same ones on every call. */
function randomSkip(random: Random, state: ClusterState): Skip {
  const skipped = new Set<string>();
  for (const source of state.pods)
    for (const destination of state.pods) if (random.chance(0.2)) skipped.add(`${podKey(source)}>${podKey(destination)}`);
  return (source, destination) => skipped.has(`${podKey(source)}>${podKey(destination)}`);
}

/** The isolation the analysis sees under the default assumptions, rebuilt here to look at the candidates alone. */
function isolationOf(state: ClusterState): IsolationView {
  return {
    isolatingPolicies: (pod: Pod, direction: PolicyType) =>
      state.policies.filter((policy) => policySelectsPod(policy, pod) && effectivePolicyTypes(policy).includes(direction)),
    labelsOf: (namespace) => ({
      ...state.namespaces.find((declared) => declared.name === namespace)?.labels,
      [namespaceNameLabel]: namespace,
    }),
    ipBlockMatches: (block, remote) =>
      ipBlockMatchesPod(block, {
        remote,
        assumptions: defaultAssumptions,
        ...(state.addressRanges ? { addressRanges: state.addressRanges } : {}),
      }),
  };
}

function tenantPod(namespace: string, name: string, extra: Partial<Pod> = {}): Pod {
  return {
    namespace,
    name,
    labels: { app: 'web' },
    ports: [{ name: 'web', containerPort: 8080, protocol: 'TCP' }],
    hostNetwork: false,
    ...extra,
  };
}

/** The operator's shape: default deny, same namespace, DNS by namespace name, in from the ingress controller's namespace. */
function tenantPolicies(namespace: string): NetworkPolicy[] {
  const byName = (name: string): LabelSelector => ({ matchLabels: { [namespaceNameLabel]: name } });
  return [
    { namespace, name: 'default-deny', podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    {
      namespace,
      name: 'allow-same-namespace',
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ peers: [{ podSelector: {} }] }],
      egress: [{ peers: [{ podSelector: {} }] }],
    },
    {
      namespace,
      name: 'allow-dns',
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [
        {
          peers: [{ namespaceSelector: byName('kube-system'), podSelector: { matchLabels: { k8s: 'dns' } } }],
          ports: [{ protocol: 'UDP', port: 53 }],
        },
      ],
    },
    {
      namespace,
      name: 'allow-ingress-controller',
      podSelector: {},
      policyTypes: ['Ingress'],
      ingress: [{ peers: [{ namespaceSelector: byName('ingress') }], ports: [{ protocol: 'TCP', port: 8080 }] }],
    },
  ];
}

const probes: Probe[] = [
  { protocol: 'TCP', port: 8080 },
  { protocol: 'UDP', port: 53 },
];

describe('the pruned reachability visit', () => {
  it('finds the same allowed flows, in the same order, and judges as many pairs as the exhaustive visit on random clusters', async function () {
    this.timeout(120000);
    const fixed = process.env.CANDIDATE_SEED;
    const seeds = fixed !== undefined ? [Number(fixed)] : Array.from({ length: 1500 }, (_, i) => 0x5eed0000 + i);
    for (const seed of seeds) {
      const random = new Random(seed);
      const state = cluster(random);
      const chosen = random.some(allProbes, 4);
      const label = `seed ${seed} (CANDIDATE_SEED=${seed} reproduces it): ${JSON.stringify(state)}`;
      const options = { assumptions: assumptions(random), label };
      await bothAgree(state, chosen.length > 0 ? chosen : allProbes, options);
      await bothAgree(state, allProbes, { ...options, skip: randomSkip(random, state) });
    }
  });

  it('leaves out pairs on random clusters (the property above is not vacuous)', () => {
    let pairs = 0;
    let candidates = 0;
    for (let seed = 1; seed <= 300; seed += 1) {
      const random = new Random(seed);
      const state = cluster(random);
      const pods = [...state.pods].sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
      const index = new CandidateDestinations(pods, isolationOf(state), defaultAssumptions);
      for (const source of pods) candidates += index.of(source).length;
      pairs += pods.length * (pods.length - 1);
    }
    assert.ok(candidates < pairs * 0.9, `${candidates} candidates of ${pairs} pairs`);
    assert.ok(candidates > pairs * 0.1, `${candidates} candidates of ${pairs} pairs`);
  });

  it("gives a tenant's pod only its own namespace and the pods open to every namespace as candidates", () => {
    const pods = [
      tenantPod('ingress', 'controller'),
      tenantPod('kube-system', 'dns', { labels: { k8s: 'dns' } }),
      tenantPod('tenant-a', 'app-0'),
      tenantPod('tenant-a', 'app-1'),
      tenantPod('tenant-b', 'app-0'),
      tenantPod('unisolated', 'any'),
    ];
    const state: ClusterState = { namespaces: [], pods, policies: [...tenantPolicies('tenant-a'), ...tenantPolicies('tenant-b')] };
    const index = new CandidateDestinations(pods, isolationOf(state), defaultAssumptions);
    const names = (source: Pod): string[] => index.of(source).map(podKey);
    assert.deepEqual(names(pods[2] as Pod), ['kube-system/dns', 'tenant-a/app-1']);
    assert.deepEqual(names(pods[4] as Pod), ['kube-system/dns']);
    assert.deepEqual(names(pods[0] as Pod), ['kube-system/dns', 'tenant-a/app-0', 'tenant-a/app-1', 'tenant-b/app-0', 'unisolated/any']);
    assert.deepEqual(names(pods[5] as Pod), ['ingress/controller', 'kube-system/dns']);
  });

  describe('agrees with the exhaustive visit where a namespace shortcut is easiest to get wrong', () => {
    const isolatedIn = (namespace: string, ingress: PolicyRule[] = [], egress: PolicyRule[] = []): NetworkPolicy => ({
      namespace,
      name: 'only',
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      ingress,
      egress,
    });
    const twoNamespaces = (extra: Partial<Pod> = {}): Pod[] => [
      tenantPod('x', 'sender', { podIP: '10.0.0.5', ...extra }),
      tenantPod('y', 'receiver', { podIP: '10.0.1.5' }),
    ];
    const allowed = async (state: ClusterState, assumptions: Assumptions = defaultAssumptions, skip?: Skip): Promise<Visit> =>
      bothAgree(state, probes, { assumptions, ...(skip ? { skip } : {}) });

    it('a NotIn namespace selector admits a namespace that lacks the key, declared or not', async () => {
      const peers = [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'NotIn' as const, values: ['x'] }] } }];
      const state: ClusterState = { namespaces: [], pods: twoNamespaces(), policies: [isolatedIn('y', [{ peers }])] };
      const { flows } = await allowed(state);
      assert.ok(flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it('a DoesNotExist namespace selector admits a namespace without labels, and not one with the key', async () => {
      const peers = [{ namespaceSelector: { matchExpressions: [{ key: 'team', operator: 'DoesNotExist' as const }] } }];
      const plain: ClusterState = {
        namespaces: [{ name: 'x', labels: {} }],
        pods: twoNamespaces(),
        policies: [isolatedIn('y', [{ peers }])],
      };
      assert.ok((await allowed(plain)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
      const labelled: ClusterState = { ...plain, namespaces: [{ name: 'x', labels: { team: 'x' } }] };
      assert.ok(!(await allowed(labelled)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it('a namespace referenced but not declared is matched on kubernetes.io/metadata.name', async () => {
      const peers = [{ namespaceSelector: { matchLabels: { [namespaceNameLabel]: 'x' } } }];
      const state: ClusterState = { namespaces: [], pods: twoNamespaces(), policies: [isolatedIn('y', [{ peers }])] };
      assert.ok((await allowed(state)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it("an ipBlock over another namespace's pod IP admits it, and its except refuses it", async () => {
      const egress = (except?: string[]): PolicyRule[] => [
        { peers: [{ ipBlock: { cidr: '10.0.1.0/24', ...(except ? { except } : {}) } }] },
      ];
      const open: ClusterState = { namespaces: [], pods: twoNamespaces(), policies: [isolatedIn('x', [], egress())] };
      assert.ok((await allowed(open)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
      const excepted: ClusterState = { ...open, policies: [isolatedIn('x', [], egress(['10.0.1.5/32']))] };
      assert.ok(!(await allowed(excepted)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it('a pod without an IP is matched by an ipBlock that may admit an address of its range', async () => {
      const pods = [tenantPod('x', 'sender'), tenantPod('y', 'receiver')];
      const state: ClusterState = {
        namespaces: [],
        pods,
        policies: [isolatedIn('x', [], [{ peers: [{ ipBlock: { cidr: '10.0.0.0/8' } }] }])],
        addressRanges: { pods: ['10.244.0.0/16'] },
      };
      assert.ok((await allowed(state)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it('a hostNetwork sender reaches a pod whose ingress admits no namespace, as node traffic, only under the bypass', async () => {
      const state: ClusterState = {
        namespaces: [],
        pods: twoNamespaces({ hostNetwork: true }),
        policies: [isolatedIn('y'), isolatedIn('x')],
      };
      assert.ok((await allowed(state)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
      const noBypass = await allowed(state, { ...defaultAssumptions, hostNetworkPodsBypass: false });
      assert.deepEqual(noBypass, { flows: [], judged: 2 });
    });

    it('a hostNetwork receiver is not isolated by its policies under the bypass', async () => {
      const pods = [tenantPod('x', 'sender'), tenantPod('y', 'receiver', { hostNetwork: true })];
      const state: ClusterState = { namespaces: [], pods, policies: [isolatedIn('y')] };
      assert.ok((await allowed(state)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
    });

    it('a rule without peers admits every namespace, and a peer without selectors none', async () => {
      const open: ClusterState = { namespaces: [], pods: twoNamespaces(), policies: [isolatedIn('y', [{ ports: [{ port: 'web' }] }])] };
      assert.ok((await allowed(open)).flows.some((flow) => flow.startsWith('x/sender > y/receiver')));
      const none: ClusterState = { ...open, policies: [isolatedIn('y', [{ peers: [{}] }])] };
      assert.deepEqual(
        (await allowed(none)).flows.filter((flow) => flow.startsWith('x/sender > y/receiver')),
        [],
      );
    });

    it('counts a refused pair as judged unless skip leaves it out, as the exhaustive visit does', async () => {
      const state: ClusterState = { namespaces: [], pods: twoNamespaces(), policies: [isolatedIn('y'), isolatedIn('x')] };
      assert.deepEqual(await allowed(state), { flows: [], judged: 2 });
      const skipOne: Skip = (source) => source.namespace === 'x';
      assert.deepEqual(await allowed(state, defaultAssumptions, skipOne), { flows: [], judged: 1 });
    });
  });
});
