/** Reading manifests: YAML 1.1 as kubectl reads it, the kinds that matter, and clear errors. */
import assert from 'node:assert/strict';
import { Collector, ManifestError } from './manifests.js';

function load(text: string) {
  const collector = new Collector();
  collector.addFile('m.yaml', text);
  return collector.result();
}

describe('manifests', () => {
  it('reads namespaces, pods and policies from several documents and ignores other kinds', () => {
    const state = load(`
kind: Namespace
metadata: { name: shop, labels: { env: prod } }
---
kind: Service
metadata: { name: ignored }
---
kind: Pod
metadata: { name: web, namespace: shop, labels: { app: web } }
spec:
  hostNetwork: true
  containers: [{ name: c, ports: [{ name: http, containerPort: 8080 }, { containerPort: 53, protocol: UDP }] }]
status: { podIP: 10.0.0.9 }
---
kind: NetworkPolicy
metadata: { name: deny }
spec: { podSelector: }
`);
    assert.deepEqual(
      state.namespaces.map((n) => [n.name, n.labels]),
      [
        ['shop', { env: 'prod', 'kubernetes.io/metadata.name': 'shop' }],
        ['default', { 'kubernetes.io/metadata.name': 'default' }],
      ],
    );
    assert.deepEqual(state.pods, [
      {
        namespace: 'shop',
        name: 'web',
        labels: { app: 'web' },
        ports: [
          { name: 'http', containerPort: 8080, protocol: 'TCP' },
          { containerPort: 53, protocol: 'UDP' },
        ],
        podIP: '10.0.0.9',
        hostNetwork: true,
      },
    ]);
    assert.deepEqual(state.policies, [{ namespace: 'default', name: 'deny', podSelector: {} }]);
  });

  it('expands kind: List as kubectl get -o yaml writes it', () => {
    const state = load(`kind: List\nitems:\n- { kind: Pod, metadata: { name: a } }\n- { kind: Pod, metadata: { name: b } }\n`);
    assert.deepEqual(
      state.pods.map((p) => p.name),
      ['a', 'b'],
    );
  });

  it('keeps an absent peer selector apart from an empty one', () => {
    const state = load(`
kind: NetworkPolicy
metadata: { name: p, namespace: shop }
spec:
  podSelector: {}
  ingress: [{ from: [{ podSelector: {} }, { namespaceSelector: {}, podSelector: null }] }]
`);
    assert.deepEqual(state.policies[0]?.ingress?.[0]?.peers, [{ podSelector: {} }, { namespaceSelector: {} }]);
  });

  const refusals: [string, string, RegExp][] = [
    [
      'unquoted YAML 1.1 booleans in labels',
      'kind: Pod\nmetadata: { name: a, labels: { enabled: yes } }\n',
      /m\.yaml: document 1 \(Pod a\): metadata\.labels\.enabled/,
    ],
    ['broken YAML', 'kind: Pod\nmetadata: { name: a\n', /m\.yaml: document 1: invalid YAML/],
    ['a peer mixing ipBlock and selectors', peerPolicy('{ ipBlock: { cidr: 10.0.0.0/8 }, podSelector: {} }'), /ipBlock or podSelector/],
    ['a peer with nothing in it', peerPolicy('{}'), /ipBlock or podSelector/],
    ['an invalid CIDR', peerPolicy('{ ipBlock: { cidr: 10.0.0.0/33 } }'), /ipBlock\.cidr: not a CIDR/],
    [
      'an unknown selector operator',
      peerPolicy('{ podSelector: { matchExpressions: [{ key: a, operator: Gt, values: [1] }] } }'),
      /operator/,
    ],
    ['In without values', peerPolicy('{ podSelector: { matchExpressions: [{ key: a, operator: In }] } }'), /need values/],
    ['endPort with a named port', portPolicy('{ port: http, endPort: 90 }'), /endPort needs a numeric port/],
    ['an unknown protocol', portPolicy('{ protocol: ICMP }'), /protocol/],
    [
      'the same pod twice',
      'kind: Pod\nmetadata: { name: a }\n---\nkind: Pod\nmetadata: { name: a }\n',
      /document 2: default\/a is declared twice/,
    ],
  ];
  for (const [what, text, message] of refusals) {
    it(`refuses ${what}, naming the file`, () => {
      assert.throws(
        () => load(text),
        (error: unknown) => error instanceof ManifestError && message.test(error.message),
      );
    });
  }
});

function peerPolicy(peer: string): string {
  return `kind: NetworkPolicy\nmetadata: { name: p }\nspec: { podSelector: {}, ingress: [{ from: [${peer}] }] }\n`;
}

function portPolicy(port: string): string {
  return `kind: NetworkPolicy\nmetadata: { name: p }\nspec: { podSelector: {}, ingress: [{ ports: [${port}] }] }\n`;
}
