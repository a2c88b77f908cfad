import assert from 'node:assert/strict';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { defaultAssumptions, type Pod } from '../network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../network/manifest-schema.js';
import type { NetworkPolicy } from '../network/index.js';
import { auditFleetNetwork } from './evaluate.js';
import { defaultFleetProbes, outsideTenants, type FleetNetworkInput, type TenantNetworkView } from './model.js';

const platform = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const database = { host: '10.9.0.5', port: 5432 };

function tenant(name: string, allowEgressCIDRs: string[] = []): TenantNetworkView {
  return { name, namespace: `tenant-${name}`, allowEgressCIDRs, database };
}

/** The policies the operator applies for a tenant, as the analyzer reads them. */
function operatorPolicies(view: TenantNetworkView): NetworkPolicy[] {
  return buildNetworkPolicies({ name: view.name, uid: `uid-${view.name}` }, { namespace: view.namespace, egress: view.allowEgressCIDRs.map((cidr) => ({ cidr, except: [] })), database: { address: database.host, port: database.port }, ingressPorts: [{ protocol: 'TCP', port: 8080 }] }, platform)
    .map((policy) => networkPolicyOf(NetworkPolicyManifestSchema.parse(policy)));
}

function appPod(namespace: string, ip: string): Pod {
  return { namespace, name: 'app-0', labels: { app: 'tenant-app' }, ports: [{ containerPort: 8080, protocol: 'TCP' }], podIP: ip, hostNetwork: false };
}

function fleet(tenants: TenantNetworkView[], extra: NetworkPolicy[] = []): FleetNetworkInput {
  return {
    cluster: {
      namespaces: tenants.map((t) => ({ name: t.namespace, labels: { 'kubernetes.io/metadata.name': t.namespace } })),
      pods: tenants.map((t, index) => appPod(t.namespace, `10.244.0.${index + 10}`)),
      policies: [...tenants.flatMap(operatorPolicies), ...extra],
    },
    tenants,
    platform,
    probes: defaultFleetProbes,
    assumptions: defaultAssumptions,
  };
}

function check(result: Awaited<ReturnType<typeof auditFleetNetwork>>, tenantName: string, id: string) {
  const found = result.checks.find((c) => c.tenant === tenantName && c.id === id);
  assert.ok(found, `${id} for ${tenantName}`);
  return found;
}

const cell = (result: Awaited<ReturnType<typeof auditFleetNetwork>>, from: string, to: string) =>
  result.matrix.cells.find((c) => c.from === from && c.to === to)?.allowed;

describe('fleet network audit', function () {
  it('passes a fleet with only the operator\'s policies, and the matrix shows only the declared flows', async function () {
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')]));
    assert.deepEqual(result.checks.filter((c) => c.result !== 'pass'), []);
    assert.equal(result.checks.length, 6);
    assert.deepEqual(result.matrix.namespaces, ['tenant-acme', 'tenant-globex', outsideTenants]);
    assert.equal(result.matrix.cells.length, 9);
    assert.deepEqual(cell(result, 'tenant-acme', 'tenant-globex'), []);
    assert.deepEqual(cell(result, 'tenant-globex', 'tenant-acme'), []);
    assert.ok(cell(result, 'tenant-acme', 'tenant-acme')?.includes('tcp/8080'), 'pods of one tenant reach each other');
    assert.deepEqual(cell(result, 'tenant-acme', outsideTenants), ['tcp/53', 'udp/53'], 'only DNS leaves the tenant');
    assert.ok(cell(result, outsideTenants, 'tenant-acme')?.includes('tcp/8080'), 'the ingress controller reaches the app\'s Service port');
    assert.ok(!cell(result, outsideTenants, 'tenant-acme')?.includes('tcp/80'), 'and no other port');
  });

  it('finds an allow-all ingress policy added to one tenant, naming the policy, and only for that tenant', async function () {
    const allowAll = networkPolicyOf(NetworkPolicyManifestSchema.parse({
      metadata: { name: 'allow-all', namespace: 'tenant-globex' },
      spec: { podSelector: {}, ingress: [{}] },
    }));
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [allowAll]));
    const ingress = check(result, 'globex', 'network.ingress');
    assert.equal(ingress.result, 'fail');
    assert.equal(ingress.reason, 'UndeclaredIngress');
    assert.match(ingress.message, /tenant-globex\/allow-all ingress\[0\]/);
    assert.match(JSON.stringify(ingress.evidence), /\(unisolated-namespace\)\/\(any-pod\)/);
    assert.equal(check(result, 'acme', 'network.ingress').result, 'pass');
    assert.equal(check(result, 'acme', 'network.egress').result, 'pass', 'acme\'s own egress still isolates it from globex');
    assert.equal(check(result, 'globex', 'network.addresses').reason, 'UndeclaredAddresses', 'a rule without peers admits outside addresses');
  });

  it('finds a cross-tenant flow for both tenants when each side opens its half', async function () {
    const out = networkPolicyOf(NetworkPolicyManifestSchema.parse({
      metadata: { name: 'to-globex', namespace: 'tenant-acme' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-globex' } } }] }] },
    }));
    const into = networkPolicyOf(NetworkPolicyManifestSchema.parse({
      metadata: { name: 'from-acme', namespace: 'tenant-globex' },
      spec: { podSelector: {}, ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-acme' } } }], ports: [{ port: 8080 }] }] },
    }));
    const halfOpen = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [out]));
    assert.equal(check(halfOpen, 'acme', 'network.egress').result, 'pass', 'egress alone makes no connection');

    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [out, into]));
    assert.equal(check(result, 'acme', 'network.egress').reason, 'UndeclaredEgress');
    assert.equal(check(result, 'globex', 'network.ingress').reason, 'UndeclaredIngress');
    assert.deepEqual(cell(result, 'tenant-acme', 'tenant-globex'), ['tcp/8080']);
    assert.deepEqual(cell(result, 'tenant-globex', 'tenant-acme'), []);
    assert.match(JSON.stringify(check(result, 'acme', 'network.egress').evidence), /tenant-acme\/to-globex#egress\[0\].*tenant-globex\/from-acme#ingress\[0\]/);
  });

  it('finds a tenant without policies through the pods anyone may reach it from', async function () {
    const input = fleet([tenant('acme'), tenant('globex')]);
    input.cluster.policies = input.cluster.policies.filter((policy) => policy.namespace !== 'tenant-globex');
    const result = await auditFleetNetwork(input);
    assert.equal(check(result, 'globex', 'network.ingress').reason, 'UndeclaredIngress');
    assert.equal(check(result, 'globex', 'network.egress').reason, 'UndeclaredEgress');
    assert.match(check(result, 'globex', 'network.ingress').message, /no policy isolates either side/);
  });

  it('accepts declared egress CIDRs, even 0.0.0.0/0, because the other tenants\' ingress still isolates them', async function () {
    const result = await auditFleetNetwork(fleet([tenant('acme', ['0.0.0.0/0']), tenant('globex')]));
    assert.deepEqual(result.checks.filter((c) => c.result !== 'pass'), []);
  });

  it('finds an undeclared egress CIDR, naming the policy and the block', async function () {
    const leak = networkPolicyOf(NetworkPolicyManifestSchema.parse({
      metadata: { name: 'to-metadata', namespace: 'tenant-acme' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }] }] },
    }));
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [leak]));
    const addresses = check(result, 'acme', 'network.addresses');
    assert.equal(addresses.reason, 'UndeclaredAddresses');
    assert.match(addresses.message, /tenant-acme\/to-metadata egress\[0\] allows ipBlock 169\.254\.169\.254\/32/);
  });
});
