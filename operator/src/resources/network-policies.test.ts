/** The tenant's NetworkPolicies as built: order, the ingress controller's ports, bounded egress. */
import assert from 'node:assert/strict';
import { buildNetworkPolicies, type TenantNetwork } from './network-policies.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const settings = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const network: TenantNetwork = {
  namespace: 'tenant-acme',
  egress: [
    { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] },
    { cidr: '203.0.113.0/24', except: [] },
  ],
  database: { address: '10.9.0.5', port: 5432 },
  kms: { address: '10.9.0.6', port: 4566 },
  ingressPorts: [
    { protocol: 'TCP', port: 8080 },
    { protocol: 'TCP', port: 'metrics' },
  ],
};

describe('NetworkPolicies', () => {
  it('puts default-deny first, so no allow exists before the deny it is an exception to', () => {
    assert.deepEqual(
      buildNetworkPolicies(tenant, network, settings).map((p) => p.metadata.name),
      [
        'default-deny',
        'allow-same-namespace',
        'allow-dns',
        'allow-ingress-controller',
        'allow-database',
        'allow-kms',
        'allow-declared-egress',
      ],
    );
  });

  it("lets the ingress controller reach only the app's Service ports, and not at all without them", () => {
    const ingress = buildNetworkPolicies(tenant, network, settings).find((p) => p.metadata.name === 'allow-ingress-controller');
    assert.deepEqual((ingress?.spec.ingress as { ports: unknown }[])[0]?.ports, network.ingressPorts);
    const without = buildNetworkPolicies(tenant, { ...network, ingressPorts: [] }, settings);
    assert.equal(
      without.find((p) => p.metadata.name === 'allow-ingress-controller'),
      undefined,
    );
  });

  it('writes each declared CIDR with its excepts, and the database and KMS as one address on one port', () => {
    const policies = buildNetworkPolicies(tenant, network, settings);
    const egress = (name: string) => (policies.find((p) => p.metadata.name === name)?.spec.egress as unknown[])[0];
    assert.deepEqual(egress('allow-declared-egress'), {
      to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.244.0.0/16'] } }, { ipBlock: { cidr: '203.0.113.0/24' } }],
    });
    assert.deepEqual(egress('allow-database'), { to: [{ ipBlock: { cidr: '10.9.0.5/32' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
    assert.deepEqual(egress('allow-kms'), { to: [{ ipBlock: { cidr: '10.9.0.6/32' } }], ports: [{ protocol: 'TCP', port: 4566 }] });
  });

  it('places every policy in the tenant namespace over all its pods, labelled and owned by the Tenant', () => {
    for (const policy of buildNetworkPolicies(tenant, network, settings)) {
      assert.equal(policy.metadata.namespace, 'tenant-acme', policy.metadata.name);
      assert.deepEqual(policy.spec.podSelector, {}, policy.metadata.name);
      assert.equal(policy.metadata.labels?.['bulkhead.dev/tenant'], 'acme', policy.metadata.name);
      assert.equal(policy.metadata.ownerReferences?.[0]?.uid, 'uid-1', policy.metadata.name);
    }
  });

  it('denies both directions by default and opens the same namespace only to itself', () => {
    const [deny, same] = buildNetworkPolicies(tenant, network, settings);
    assert.deepEqual(deny?.spec, { podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    assert.deepEqual(same?.spec.ingress, [{ from: [{ podSelector: {} }] }]);
    assert.deepEqual(same?.spec.egress, [{ to: [{ podSelector: {} }] }]);
  });

  it("selects the DNS pods and the ingress controller by their namespace's immutable name label", () => {
    const policies = buildNetworkPolicies(tenant, network, settings);
    const dns = policies.find((p) => p.metadata.name === 'allow-dns');
    const [dnsRule] = dns?.spec.egress as { to: unknown[] }[];
    assert.deepEqual(dnsRule?.to, [
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      },
    ]);
    const ingress = policies.find((p) => p.metadata.name === 'allow-ingress-controller');
    assert.deepEqual((ingress?.spec.ingress as { from: unknown }[])[0]?.from, [
      { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } },
    ]);
  });

  it('admits nothing from outside the namespace while the tenant is suspended, and keeps every egress allowance', () => {
    const active = buildNetworkPolicies(tenant, network, settings);
    const suspended = buildNetworkPolicies(tenant, { ...network, suspended: true }, settings);
    const ingressFrom = suspended.flatMap((p) => ((p.spec.ingress ?? []) as { from: Record<string, unknown>[] }[]).flatMap((r) => r.from));
    assert.deepEqual(ingressFrom, [{ podSelector: {} }], 'only the same namespace');
    assert.deepEqual(
      suspended.map((p) => p.metadata.name),
      active.map((p) => p.metadata.name).filter((name) => name !== 'allow-ingress-controller'),
    );
    assert.equal(suspended[0]?.metadata.name, 'default-deny');
  });
});
