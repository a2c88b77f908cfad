/**
 * The semantic rules of networking.k8s.io/v1 NetworkPolicy as a table of cases, written from the
 * Kubernetes "Network Policies" concept page, the NetworkPolicy API reference and defaulting, and
 * the upstream e2e suite (test/e2e/network/netpol, whose x/y/z namespaces and a/b/c pods the
 * cases borrow). Each case names the exact set of denied (or allowed) flows with
 * patterns: `from > to probe`, where `*` or `ns/*` stand for any pod and `*` for any probe.
 */
import assert from 'node:assert/strict';
import { defaultAssumptions } from './assumptions.js';
import { Collector } from './manifests.js';
import type { AddressRanges, Assumptions, ExplainedFlow } from './model.js';
import { formatProbe, parseProbe } from './probes.js';
import { analyze, explain } from './reachability.js';

const namespaces = `
apiVersion: v1
kind: Namespace
metadata: { name: x, labels: { team: x } }
---
apiVersion: v1
kind: Namespace
metadata: { name: "y", labels: { team: "y" } }
`;

function pod(key: string, labels: Record<string, string>, extra = ''): string {
  const [namespace, name] = key.split('/');
  return `
---
apiVersion: v1
kind: Pod
metadata: { namespace: "${namespace}", name: "${name}", labels: ${JSON.stringify(labels)} }
${extra || 'spec: { containers: [{ name: app, ports: [{ name: http, containerPort: 80 }, { name: dns, containerPort: 53, protocol: UDP }] }] }'}
`;
}

const standardPods = [
  pod('x/a', { pod: 'a' }),
  pod('x/b', { pod: 'b' }),
  pod('x/c', { pod: 'c' }),
  pod('y/a', { pod: 'a' }),
  pod('y/b', { pod: 'b' }),
].join('');

function ports(list: string): string {
  return `spec: { containers: [{ name: app, ports: [${list}] }] }`;
}

interface Case {
  name: string;
  policies: string;
  pods?: string;
  probes?: string[];
  assumptions?: Partial<Assumptions>;
  addressRanges?: AddressRanges;
  /** Exactly these flows are denied (all others allowed)... */
  denied?: string[];
  /** ...or exactly these are allowed (all others denied). */
  allowed?: string[];
}

const denyAllIngressInX = `
---
kind: NetworkPolicy
apiVersion: networking.k8s.io/v1
metadata: { name: default-deny-ingress, namespace: x }
spec:
  podSelector: {}
`;

const cases: Case[] = [
  { name: 'allows every flow when no policy exists', policies: '', denied: [] },
  {
    name: 'isolates every pod of a namespace for ingress with podSelector {} and no ingress rules (policyTypes defaults to Ingress)',
    policies: denyAllIngressInX,
    denied: ['* > x/* *'],
  },
  {
    name: 'denies all ingress with an explicit ingress: [] and leaves pods of other namespaces alone',
    policies: `
kind: NetworkPolicy
metadata: { name: deny, namespace: x }
spec: { podSelector: {}, policyTypes: [Ingress], ingress: [] }`,
    denied: ['* > x/* *'],
  },
  {
    name: 'allows all ingress with ingress: [{}], which wins over a deny-all policy because policies are additive',
    policies: `${denyAllIngressInX}
---
kind: NetworkPolicy
metadata: { name: allow-all, namespace: x }
spec: { podSelector: {}, ingress: [{}] }`,
    denied: [],
  },
  {
    name: 'isolates egress only when policyTypes says Egress',
    policies: `
kind: NetworkPolicy
metadata: { name: deny-egress, namespace: x }
spec: { podSelector: {}, policyTypes: [Egress] }`,
    denied: ['x/* > * *'],
  },
  {
    name: 'isolates both directions with policyTypes [Ingress, Egress] and no rules',
    policies: `
kind: NetworkPolicy
metadata: { name: deny-all, namespace: x }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }`,
    denied: ['x/* > * *', '* > x/* *'],
  },
  {
    name: 'implies Ingress as well as Egress when policyTypes is absent and an egress section has rules',
    policies: `
kind: NetworkPolicy
metadata: { name: egress-within-namespace, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  egress: [{ to: [{ podSelector: {} }] }]`,
    denied: ['* > x/a *', 'x/a > y/* *'],
  },
  {
    name: 'does not imply Egress from an empty egress list when policyTypes is absent',
    policies: `
kind: NetworkPolicy
metadata: { name: empty-egress, namespace: x }
spec: { podSelector: {}, egress: [] }`,
    denied: ['* > x/* *'],
  },
  {
    name: 'reads a peer with only a podSelector as pods of the policy namespace',
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-b, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ podSelector: { matchLabels: { pod: b } } }] }]`,
    denied: ['y/* > x/a *', 'x/c > x/a *'],
  },
  {
    name: 'reads namespaceSelector {} as every namespace, AND-ed with the podSelector of the same peer',
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-any-b, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ namespaceSelector: {}, podSelector: { matchLabels: { pod: b } } }] }]`,
    denied: ['y/a > x/a *', 'x/c > x/a *'],
  },
  {
    name: 'ANDs namespaceSelector and podSelector within one peer',
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-y-b, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress:
  - from:
    - namespaceSelector: { matchLabels: { team: "y" } }
      podSelector: { matchLabels: { pod: b } }`,
    denied: ['x/* > x/a *', 'y/a > x/a *'],
  },
  {
    name: 'ORs namespaceSelector and podSelector written as separate peers',
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-y-or-b, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress:
  - from:
    - namespaceSelector: { matchLabels: { team: "y" } }
    - podSelector: { matchLabels: { pod: b } }`,
    denied: ['x/c > x/a *'],
  },
  {
    name: 'matches NotIn on namespaces that lack the label, including undeclared ones',
    pods: `${standardPods}${pod('z/a', { pod: 'a' })}`,
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-not-x, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: team, operator: NotIn, values: [x] }] } }] }]`,
    denied: ['x/* > x/a *'],
  },
  {
    name: 'does not match Exists on namespaces that lack the label',
    pods: `${standardPods}${pod('z/a', { pod: 'a' })}`,
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-teams, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ namespaceSelector: { matchExpressions: [{ key: team, operator: Exists }] } }] }]`,
    denied: ['z/a > x/a *'],
  },
  {
    name: 'gives an undeclared namespace the kubernetes.io/metadata.name label',
    pods: `${standardPods}${pod('z/a', { pod: 'a' })}`,
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-z, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: z } } }] }]`,
    denied: ['x/* > x/a *', 'y/* > x/a *'],
  },
  {
    name: 'adds the kubernetes.io/metadata.name label to declared namespaces as the API server does',
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-y, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { kubernetes.io/metadata.name: "y" } } }] }]`,
    denied: ['x/* > x/a *'],
  },
  {
    name: 'defaults a port entry to TCP and allows only the listed port',
    probes: ['tcp/80', 'udp/80', 'tcp/81'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-port-80, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 80 }] }] }`,
    denied: ['* > x/a udp/80', '* > x/a tcp/81'],
  },
  {
    name: 'allows every port and protocol from matching peers when a rule has no ports',
    probes: ['tcp/80', 'udp/53', 'sctp/9000'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-from-namespace, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ from: [{ podSelector: {} }] }] }`,
    denied: ['y/* > x/a *'],
  },
  {
    name: 'leaves TCP isolated when only UDP is allowed',
    probes: ['tcp/80', 'udp/53', 'udp/80'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-udp, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ protocol: UDP }] }] }`,
    denied: ['* > x/a tcp/80'],
  },
  {
    name: 'leaves TCP isolated when only SCTP is allowed on a port',
    probes: ['sctp/9000', 'tcp/9000'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-sctp, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ protocol: SCTP, port: 9000 }] }] }`,
    denied: ['* > x/a tcp/9000'],
  },
  {
    name: 'allows an inclusive endPort range',
    probes: ['tcp/7999', 'tcp/8000', 'tcp/8080', 'tcp/8081'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-range, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 8000, endPort: 8080 }] }] }`,
    denied: ['* > x/a tcp/7999', '* > x/a tcp/8081'],
  },
  {
    name: 'enforces only the first port of a range when endPortSupported=false',
    probes: ['tcp/8000', 'tcp/8080'],
    assumptions: { endPortSupported: false },
    policies: `
kind: NetworkPolicy
metadata: { name: a-range, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: 8000, endPort: 8080 }] }] }`,
    denied: ['* > x/a tcp/8080'],
  },
  {
    name: "resolves a named port in an ingress rule to the destination pod's container port",
    pods: `${standardPods.replace(pod('x/a', { pod: 'a' }), '')}${pod('x/a', { pod: 'a' }, ports('{ name: http, containerPort: 8080 }'))}`,
    probes: ['tcp/8080', 'tcp/80'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-http, namespace: x }
spec: { podSelector: { matchLabels: { pod: a } }, ingress: [{ ports: [{ port: http }] }] }`,
    denied: ['* > x/a tcp/80'],
  },
  {
    name: 'resolves a named port only where both name and protocol match',
    probes: ['tcp/80', 'udp/80', 'udp/53', 'tcp/53'],
    policies: `
kind: NetworkPolicy
metadata: { name: a-udp-names, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  ingress: [{ ports: [{ protocol: UDP, port: http }, { protocol: UDP, port: dns }] }]`,
    denied: ['* > x/a tcp/80', '* > x/a udp/80', '* > x/a tcp/53'],
  },
  {
    name: 'resolves a named port in an egress rule against the destination pod',
    pods: [
      pod('x/a', { pod: 'a' }, ports('{ name: http, containerPort: 80 }')),
      pod('x/b', { pod: 'b' }, ports('{ name: http, containerPort: 8080 }')),
      pod('y/a', { pod: 'a' }, ports('{ name: web, containerPort: 80 }')),
    ].join(''),
    policies: `
kind: NetworkPolicy
metadata: { name: egress-http, namespace: "y" }
spec: { podSelector: {}, policyTypes: [Egress], egress: [{ ports: [{ port: http }] }] }`,
    denied: ['y/a > x/b tcp/80'],
  },
  {
    name: 'resolves a named probe per destination and denies it where the destination has no such port',
    pods: [
      pod('x/a', { pod: 'a' }, ports('{ name: http, containerPort: 80 }')),
      pod('x/b', { pod: 'b' }, ports('{ name: http, containerPort: 8080 }')),
      pod('y/a', { pod: 'a' }, ports('{ name: http, containerPort: 80, protocol: UDP }')),
    ].join(''),
    probes: ['tcp/http'],
    policies: `
kind: NetworkPolicy
metadata: { name: only-8080, namespace: x }
spec: { podSelector: {}, ingress: [{ ports: [{ port: 8080 }] }] }`,
    denied: ['* > x/a tcp/http', '* > y/a tcp/http'],
  },
  {
    name: 'matches a pod by status.podIP in an ipBlock outside its excepts, and a pod without an IP by any block when the pod ranges are unknown',
    pods: ipBlockPods(),
    policies: ipBlockPolicy(''),
    denied: ['y/excepted > x/server *', 'y/outside > x/server *'],
  },
  {
    name: 'matches a pod without an IP by a block that admits some address of the pod ranges',
    pods: ipBlockPods(),
    addressRanges: { pods: ['192.168.0.0/16', '10.1.0.0/16'] },
    policies: ipBlockPolicy(''),
    denied: ['y/excepted > x/server *', 'y/outside > x/server *'],
  },
  {
    name: 'rules a pod without an IP out of a block whose cidr and excepts leave none of the pod ranges',
    pods: ipBlockPods(),
    addressRanges: { pods: ['10.1.2.0/25', '192.168.0.0/16'] },
    policies: ipBlockPolicy(''),
    denied: ['y/excepted > x/server *', 'y/no-ip > x/server *', 'y/outside > x/server *'],
  },
  {
    name: 'judges a hostNetwork pod without an IP by the node addresses, not the pod ranges',
    pods: ipBlockPods().replace(
      'name: "no-ip", labels: {"pod":"no-ip"} }\nspec: { containers',
      'name: "no-ip", labels: {"pod":"no-ip"} }\nspec: { hostNetwork: true, containers',
    ),
    assumptions: { hostNetworkPodsBypass: false },
    addressRanges: { pods: ['10.1.0.0/16'], nodes: ['192.168.0.0/24'] },
    policies: ipBlockPolicy(''),
    denied: ['y/excepted > x/server *', 'y/no-ip > x/server *', 'y/outside > x/server *'],
  },
  {
    name: 'never matches pods by ipBlock when ipBlockMatchesPodIPs=false',
    pods: ipBlockPods(),
    assumptions: { ipBlockMatchesPodIPs: false },
    policies: ipBlockPolicy(''),
    denied: ['* > x/server *'],
  },
  {
    name: 'lets another rule allow an address an except carved out (a union of rules beats an except)',
    pods: ipBlockPods(),
    policies: ipBlockPolicy('  - from: [{ ipBlock: { cidr: 10.1.2.0/28 } }]\n'),
    denied: ['y/outside > x/server *'],
  },
  {
    name: 'lets another peer of the same rule allow a pod an except carved out',
    pods: ipBlockPods(),
    policies: ipBlockPolicy('').replace(
      'except: [10.1.2.0/24] } }',
      'except: [10.1.2.0/24] } }, { podSelector: {}, namespaceSelector: {} }',
    ),
    denied: [],
  },
  {
    name: 'needs egress at the source AND ingress at the destination',
    policies: `
kind: NetworkPolicy
metadata: { name: a-to-y-a, namespace: x }
spec:
  podSelector: { matchLabels: { pod: a } }
  policyTypes: [Egress]
  egress: [{ to: [{ namespaceSelector: { matchLabels: { team: "y" } }, podSelector: { matchLabels: { pod: a } } }] }]
---
kind: NetworkPolicy
metadata: { name: from-x-a, namespace: "y" }
spec:
  podSelector: {}
  ingress: [{ from: [{ namespaceSelector: { matchLabels: { team: x } }, podSelector: { matchLabels: { pod: a } } }] }]`,
    allowed: ['x/b > x/* *', 'x/c > x/* *', 'y/* > x/* *', 'x/a > y/a *'],
  },
  {
    name: 'does not isolate a hostNetwork pod under hostNetworkPodsBypass, and its pods admit it as node traffic',
    pods: standardPods.replace(
      pod('x/a', { pod: 'a' }),
      pod('x/a', { pod: 'a' }, 'spec: { hostNetwork: true, containers: [{ name: app }] }'),
    ),
    policies: `
kind: NetworkPolicy
metadata: { name: deny-all, namespace: x }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }`,
    denied: ['x/b > * *', 'x/c > * *', 'y/* > x/b *', 'y/* > x/c *'],
  },
  {
    name: 'lets a hostNetwork pod of another namespace reach pods whose ingress policies admit nothing: a pod cannot block its node',
    pods: standardPods.replace(
      pod('y/a', { pod: 'a' }),
      pod('y/a', { pod: 'a' }, 'spec: { hostNetwork: true, containers: [{ name: app }] }'),
    ),
    policies: denyAllIngressInX,
    denied: ['x/* > x/* *', 'y/b > x/* *'],
  },
  {
    name: 'isolates a hostNetwork pod like any other when hostNetworkPodsBypass=false',
    pods: standardPods.replace(
      pod('x/a', { pod: 'a' }),
      pod('x/a', { pod: 'a' }, 'spec: { hostNetwork: true, containers: [{ name: app }] }'),
    ),
    assumptions: { hostNetworkPodsBypass: false },
    policies: `
kind: NetworkPolicy
metadata: { name: deny-all, namespace: x }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }`,
    denied: ['* > x/* *', 'x/* > * *'],
  },
];

function ipBlockPods(): string {
  const withIP = (key: string, ip: string) => pod(key, { pod: key }, `spec: { containers: [{ name: app }] }\nstatus: { podIP: ${ip} }`);
  return [
    pod('x/server', { pod: 'server' }),
    withIP('y/inside', '10.1.0.5'),
    withIP('y/excepted', '10.1.2.5'),
    withIP('y/outside', '192.168.0.1'),
    pod('y/no-ip', { pod: 'no-ip' }),
  ].join('');
}

function ipBlockPolicy(extraRule: string): string {
  return `
kind: NetworkPolicy
metadata: { name: server-from-block, namespace: x }
spec:
  podSelector: { matchLabels: { pod: server } }
  ingress:
  - from: [{ ipBlock: { cidr: 10.1.0.0/16, except: [10.1.2.0/24] } }]
${extraRule}`;
}

function flowName(flow: ExplainedFlow): string {
  return `${flow.from} > ${flow.to} ${flow.protocol.toLowerCase()}/${flow.port}`;
}

function matches(pattern: string, flow: ExplainedFlow): boolean {
  const [from = '', , to = '', probe = ''] = pattern.split(' ');
  const side = (want: string, pod: string) => want === '*' || want === pod || (want.endsWith('/*') && pod.startsWith(want.slice(0, -1)));
  const probeText = `${flow.protocol.toLowerCase()}/${flow.port}`;
  return side(from, flow.from) && side(to, flow.to) && (probe === '*' || probe === probeText);
}

function run(testCase: Case): ExplainedFlow[] {
  const collector = new Collector();
  collector.addFile('case.yaml', `${namespaces}${testCase.pods ?? standardPods}\n---\n${testCase.policies}`);
  const probes = (testCase.probes ?? ['tcp/80']).map(parseProbe);
  const cluster = { ...collector.result(), ...(testCase.addressRanges ? { addressRanges: testCase.addressRanges } : {}) };
  return explain(cluster, probes, { ...defaultAssumptions, ...testCase.assumptions }).flows;
}

describe('NetworkPolicy reachability', () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      const flows = run(testCase);
      const [patterns, verdict] = testCase.allowed ? [testCase.allowed, true] : [testCase.denied ?? [], false];
      for (const pattern of patterns)
        assert.ok(
          flows.some((flow) => matches(pattern, flow)),
          `pattern ${pattern} matches no flow`,
        );
      // Listed flows have the listed verdict; every other flow has the opposite one.
      const expectedAllowed = flows.filter((flow) => patternsMatch(patterns, flow) === verdict).map(flowName);
      assert.deepEqual(flows.filter((flow) => flow.allowed).map(flowName), expectedAllowed);
    });
  }

  it('lists every ordered pair of distinct pods once per probe, ordered by from, to and probe', () => {
    const flows = run({ name: 'order', policies: '', probes: ['udp/53', 'tcp/80'] });
    const pods = ['x/a', 'x/b', 'x/c', 'y/a', 'y/b'];
    const expected = pods.flatMap((from) =>
      pods.filter((to) => to !== from).flatMap((to) => ['udp/53', 'tcp/80'].map((probe) => `${from} > ${to} ${probe}`)),
    );
    assert.deepEqual(flows.map(flowName), expected);
  });

  it('names the rules that allow a flow on each side, and leaves a side empty when it is not isolated', () => {
    const flows = run(cases.find((c) => c.name.startsWith('needs egress at the source')) as Case);
    const flow = flows.find((f) => f.from === 'x/a' && f.to === 'y/a');
    assert.deepEqual(flow?.because, {
      egress: [{ policy: 'x/a-to-y-a', direction: 'Egress', rule: 0 }],
      ingress: [{ policy: 'y/from-x-a', direction: 'Ingress', rule: 0 }],
    });
    assert.deepEqual(flows.find((f) => f.from === 'y/a' && f.to === 'x/b')?.because, { egress: [], ingress: [] });
    assert.equal(flows.find((f) => f.from === 'x/b' && f.to === 'y/a')?.because, undefined);
  });

  it('keeps only from, to, protocol, port and allowed in the plain analysis', () => {
    const collector = new Collector();
    collector.addFile('pods.yaml', standardPods);
    const result = analyze(collector.result(), [parseProbe('tcp/http')], defaultAssumptions);
    assert.deepEqual(result.flows[0], { from: 'x/a', to: 'x/b', protocol: 'TCP', port: 'http', allowed: true });
    assert.equal(formatProbe({ protocol: 'SCTP', port: 9000 }), 'sctp/9000');
  });
});

function patternsMatch(patterns: string[], flow: ExplainedFlow): boolean {
  return patterns.some((pattern) => matches(pattern, flow));
}
