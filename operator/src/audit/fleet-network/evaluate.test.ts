import assert from 'node:assert/strict';
import { boundEgress, excludedRanges } from '../../resources/egress.js';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { defaultAssumptions, type Pod } from '../network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../network/manifest-schema.js';
import { cellLookup } from '../report/matrix-cells.js';
import type { NetworkPolicy } from '../network/index.js';
import { auditFleetNetwork } from './evaluate.js';
import { defaultFleetProbes, outsideTenants, type FleetNetworkInput, type FleetRanges, type TenantNetworkView } from './model.js';

const platform = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const database = { address: '10.9.0.5', port: 5432 };
const clusterCIDRs = { pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.0/24'] };
const ranges: FleetRanges = {
  ...clusterCIDRs,
  excluded: excludedRanges({ ...clusterCIDRs, platform: [] }, [{ address: database.address, what: 'database server of eu-central-1' }]),
};

function tenant(name: string, allowEgressCIDRs: string[] = []): TenantNetworkView {
  return { name, namespace: `tenant-${name}`, allowEgressCIDRs, database, ingressPorts: [{ protocol: 'TCP', port: 8080 }] };
}

/** The policies the operator applies for a tenant, as the analyzer reads them. */
function operatorPolicies(view: TenantNetworkView): NetworkPolicy[] {
  const egress = boundEgress(view.allowEgressCIDRs, ranges.excluded).allowed;
  return buildNetworkPolicies(
    { name: view.name, uid: `uid-${view.name}` },
    { namespace: view.namespace, egress, database, ingressPorts: view.ingressPorts },
    platform,
  ).map(parsePolicy);
}

const parsePolicy = (manifest: unknown): NetworkPolicy => networkPolicyOf(NetworkPolicyManifestSchema.parse(manifest));

function appPod(namespace: string, ip: string): Pod {
  return {
    namespace,
    name: 'app-0',
    labels: { app: 'tenant-app' },
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    podIP: ip,
    hostNetwork: false,
  };
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
    ranges,
  };
}

function check(result: Awaited<ReturnType<typeof auditFleetNetwork>>, tenantName: string, id: string) {
  const found = result.checks.find((c) => c.tenant === tenantName && c.id === id);
  assert.ok(found, `${id} for ${tenantName}`);
  return found;
}

/** A pair the sparse matrix leaves out reads as allowing nothing. */
const cell = (result: Awaited<ReturnType<typeof auditFleetNetwork>>, from: string, to: string) =>
  cellLookup(result.matrix)(from, to)?.allowed;

describe('fleet network audit', function () {
  it("passes a fleet with only the operator's policies, and the matrix shows only the declared flows", async function () {
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')]));
    assert.deepEqual(
      result.checks.filter((c) => c.result !== 'pass'),
      [],
    );
    assert.equal(result.checks.length, 8);
    assert.deepEqual(result.matrix.namespaces, ['tenant-acme', 'tenant-globex', outsideTenants]);
    // Sparse (docs/decisions/0056): the two cross-tenant pairs allow nothing, so they are counted, not listed.
    assert.equal(result.matrix.cells.length, 7);
    assert.equal(result.matrix.emptyCells, 2);
    assert.deepEqual(cell(result, 'tenant-acme', 'tenant-globex'), []);
    assert.deepEqual(cell(result, 'tenant-globex', 'tenant-acme'), []);
    assert.ok(cell(result, 'tenant-acme', 'tenant-acme')?.includes('tcp/8080'), 'pods of one tenant reach each other');
    assert.deepEqual(cell(result, 'tenant-acme', outsideTenants), ['tcp/53', 'udp/53'], 'only DNS leaves the tenant');
    assert.ok(cell(result, outsideTenants, 'tenant-acme')?.includes('tcp/8080'), "the ingress controller reaches the app's Service port");
    assert.ok(!cell(result, outsideTenants, 'tenant-acme')?.includes('tcp/80'), 'and no other port');
  });

  it('finds an allow-all ingress policy added to one tenant, naming the policy, and only for that tenant', async function () {
    const allowAll = networkPolicyOf(
      NetworkPolicyManifestSchema.parse({
        metadata: { name: 'allow-all', namespace: 'tenant-globex' },
        spec: { podSelector: {}, ingress: [{}] },
      }),
    );
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [allowAll]));
    const ingress = check(result, 'globex', 'network.ingress');
    assert.equal(ingress.result, 'fail');
    assert.equal(ingress.reason, 'UndeclaredIngress');
    assert.match(ingress.message, /tenant-globex\/allow-all ingress\[0\]/);
    assert.match(JSON.stringify(ingress.evidence), /\(unisolated-namespace\)\/\(any-pod\)/);
    assert.equal(check(result, 'acme', 'network.ingress').result, 'pass');
    assert.equal(check(result, 'acme', 'network.egress').result, 'pass', "acme's own egress still isolates it from globex");
    assert.equal(
      check(result, 'globex', 'network.addresses').reason,
      'UndeclaredAddresses',
      'a rule without peers admits outside addresses',
    );
  });

  it('finds a cross-tenant flow for both tenants when each side opens its half', async function () {
    const out = networkPolicyOf(
      NetworkPolicyManifestSchema.parse({
        metadata: { name: 'to-globex', namespace: 'tenant-acme' },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-globex' } } }] }],
        },
      }),
    );
    const into = networkPolicyOf(
      NetworkPolicyManifestSchema.parse({
        metadata: { name: 'from-acme', namespace: 'tenant-globex' },
        spec: {
          podSelector: {},
          ingress: [
            { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'tenant-acme' } } }], ports: [{ port: 8080 }] },
          ],
        },
      }),
    );
    const halfOpen = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [out]));
    assert.equal(check(halfOpen, 'acme', 'network.egress').result, 'pass', 'egress alone makes no connection');

    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [out, into]));
    assert.equal(check(result, 'acme', 'network.egress').reason, 'UndeclaredEgress');
    assert.equal(check(result, 'globex', 'network.ingress').reason, 'UndeclaredIngress');
    assert.deepEqual(cell(result, 'tenant-acme', 'tenant-globex'), ['tcp/8080']);
    assert.deepEqual(cell(result, 'tenant-globex', 'tenant-acme'), []);
    assert.match(
      JSON.stringify(check(result, 'acme', 'network.egress').evidence),
      /tenant-acme\/to-globex#egress\[0\].*tenant-globex\/from-acme#ingress\[0\]/,
    );
  });

  it('finds a tenant without policies through the pods anyone may reach it from', async function () {
    const input = fleet([tenant('acme'), tenant('globex')]);
    input.cluster.policies = input.cluster.policies.filter((policy) => policy.namespace !== 'tenant-globex');
    const result = await auditFleetNetwork(input);
    assert.equal(check(result, 'globex', 'network.ingress').reason, 'UndeclaredIngress');
    assert.equal(check(result, 'globex', 'network.egress').reason, 'UndeclaredEgress');
    assert.match(check(result, 'globex', 'network.ingress').message, /no policy isolates either side/);
  });

  it('accepts declared egress CIDRs, even 0.0.0.0/0, once every cluster and platform range is excepted', async function () {
    const result = await auditFleetNetwork(fleet([tenant('acme', ['0.0.0.0/0', '203.0.113.0/24']), tenant('globex')]));
    assert.deepEqual(
      result.checks.filter((c) => c.result !== 'pass'),
      [],
    );
    assert.deepEqual(
      cell(result, 'tenant-acme', outsideTenants),
      ['tcp/53', 'udp/53'],
      "pods without an IP yet are ruled out by the pod range's except",
    );
  });

  it("finds 0.0.0.0/0 without the cluster's excepts: egress into the cluster, and pods without an IP it cannot rule out", async function () {
    const input = fleet(
      [tenant('acme'), tenant('globex')],
      [
        parsePolicy({
          metadata: { name: 'allow-declared-egress', namespace: 'tenant-acme' },
          spec: {
            podSelector: {},
            policyTypes: ['Egress'],
            egress: [{ to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['169.254.0.0/16'] } }] }],
          },
        }),
      ],
    );
    input.tenants[0] = tenant('acme', ['0.0.0.0/0']);
    const result = await auditFleetNetwork(input);
    const bounds = check(result, 'acme', 'network.egress-bounds');
    assert.equal(bounds.reason, 'EgressIntoCluster');
    assert.match(
      bounds.message,
      /tenant-acme\/allow-declared-egress egress\[0\] allows 0\.0\.0\.0\/0 \(except 169\.254\.0\.0\/16\), which reaches 10\.244\.0\.0\/16 \(pod network\)/,
    );
    assert.match(
      JSON.stringify(bounds.evidence),
      /10\.96\.0\.0\/12 \(Service network\).*10\.9\.0\.5\/32 \(database server of eu-central-1\)/,
    );
    const egress = check(result, 'acme', 'network.egress');
    assert.equal(egress.reason, 'UndeclaredEgress');
    assert.match(egress.message, /→ \(unisolated-namespace\)\/\(any-pod\) .*allowed by tenant-acme\/allow-declared-egress egress\[0\]/);
    assert.equal(check(result, 'globex', 'network.egress-bounds').result, 'pass');
  });

  it('finds every egress rule when the pod and Service ranges are not configured: ClusterRangesUnknown', async function () {
    const input = fleet([tenant('acme', ['203.0.113.0/24']), tenant('globex')]);
    input.ranges = { pods: [], services: [], nodes: [], excluded: excludedRanges({ pods: [], services: [], nodes: [], platform: [] }, []) };
    const result = await auditFleetNetwork(input);
    const bounds = check(result, 'acme', 'network.egress-bounds');
    assert.equal(bounds.reason, 'ClusterRangesUnknown');
    assert.match(
      bounds.message,
      /and without network\.clusterCIDRs\.pods and \.services it cannot be told apart from the cluster's own addresses/,
    );
    assert.match(JSON.stringify(bounds.evidence), /"policy":"tenant-acme\/allow-declared-egress","rule":0,"cidr":"203\.0\.113\.0\/24"/);
    assert.match(
      check(result, 'globex', 'network.egress-bounds').message,
      /allow-database egress\[0\] allows 10\.9\.0\.5\/32, and without network\.clusterCIDRs/,
      "even its database's address may be a pod's, for all the audit can tell",
    );
    assert.equal(check(result, 'globex', 'network.egress').reason, 'UndeclaredEgress', 'a pod without an IP may have it');
  });

  it("finds the database server allowed on more than the tenant's own port", async function () {
    const wide = parsePolicy({
      metadata: { name: 'db-any-port', namespace: 'tenant-acme' },
      spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '10.9.0.5/32' } }] }] },
    });
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [wide]));
    assert.match(
      check(result, 'acme', 'network.egress-bounds').message,
      /db-any-port egress\[0\] allows 10\.9\.0\.5\/32, which reaches 10\.9\.0\.5\/32 \(database server/,
    );
  });

  it('finds the ingress controller allowed on a port no app Service targets', async function () {
    const wide = parsePolicy({
      metadata: { name: 'controller-everywhere', namespace: 'tenant-globex' },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }] }],
      },
    });
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [wide]));
    const ingress = check(result, 'globex', 'network.ingress');
    assert.equal(ingress.reason, 'UndeclaredIngress');
    assert.match(
      ingress.message,
      /ingress-nginx\/\(ingress-controller\) → tenant-globex\/.* tcp\/(80|443|5432|53) .*controller-everywhere ingress\[0\]/,
    );
    const probes = (ingress.evidence as { flows: { from: string; probe: string }[] }).flows
      .filter((f) => f.from.startsWith('ingress-nginx/'))
      .map((f) => f.probe);
    assert.ok(
      probes.length > 0 && !probes.includes('tcp/8080'),
      `the app's Service port is declared, the others are not (${probes.join(', ')})`,
    );
    assert.equal(check(result, 'acme', 'network.ingress').result, 'pass');
  });

  it('declares node traffic from a hostNetwork pod outside the tenants, lists it and draws it in the matrix', async function () {
    const input = fleet([tenant('acme'), tenant('globex')]);
    input.cluster.pods.push({
      namespace: 'kube-system',
      name: 'kube-proxy',
      labels: {},
      ports: [],
      podIP: '192.168.1.7',
      hostNetwork: true,
    });
    const result = await auditFleetNetwork(input);
    const ingress = check(result, 'acme', 'network.ingress');
    assert.equal(ingress.result, 'pass');
    assert.deepEqual((ingress.evidence as { nodeSenders: string[] }).nodeSenders, ['kube-system/kube-proxy']);
    assert.ok(cell(result, outsideTenants, 'tenant-acme')?.includes('tcp/80'), 'every port from the node');
  });

  it("finds a hostNetwork pod in one tenant's namespace reaching another tenant, whose policies cannot refuse it", async function () {
    const input = fleet([tenant('acme'), tenant('globex')]);
    input.cluster.pods.push({
      namespace: 'tenant-acme',
      name: 'on-the-host',
      labels: {},
      ports: [],
      podIP: '192.168.1.8',
      hostNetwork: true,
    });
    const result = await auditFleetNetwork(input);
    assert.equal(check(result, 'globex', 'network.ingress').reason, 'UndeclaredIngress');
    assert.match(
      check(result, 'globex', 'network.ingress').message,
      /tenant-acme\/on-the-host → .*hostNetwork sender, admitted as node traffic/,
    );
    assert.equal(check(result, 'acme', 'network.egress').reason, 'UndeclaredEgress');
    assert.ok(cell(result, 'tenant-acme', 'tenant-globex')?.includes('tcp/5432'));
  });

  it('finds an undeclared egress CIDR, naming the policy and the block', async function () {
    const leak = networkPolicyOf(
      NetworkPolicyManifestSchema.parse({
        metadata: { name: 'to-metadata', namespace: 'tenant-acme' },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: '169.254.169.254/32' } }] }] },
      }),
    );
    const result = await auditFleetNetwork(fleet([tenant('acme'), tenant('globex')], [leak]));
    const addresses = check(result, 'acme', 'network.addresses');
    assert.equal(addresses.reason, 'UndeclaredAddresses');
    assert.match(addresses.message, /tenant-acme\/to-metadata egress\[0\] allows ipBlock 169\.254\.169\.254\/32/);
  });

  describe('tenants not yet onboarded (no namespace, pods or policies)', function () {
    /** k onboarded tenants and m that are not: only the onboarded ones have namespaces, pods and policies. */
    function pending(k: number, m: number, governPending = false): FleetNetworkInput {
      const tenants = Array.from({ length: k + m }, (_, i) => tenant(`t${String(i).padStart(3, '0')}`));
      const input = fleet(tenants.slice(0, k));
      // A policy that selects no pod isolates nothing: the pending tenants' flows stay the same, but
      // their namespaces are no longer bare, so the analysis judges every pair of them.
      const selectsNothing = (view: TenantNetworkView): NetworkPolicy =>
        networkPolicyOf(
          NetworkPolicyManifestSchema.parse({
            metadata: { name: 'selects-nothing', namespace: view.namespace },
            spec: { podSelector: { matchLabels: { none: 'none' } }, ingress: [] },
          }),
        );
      const policies = [...input.cluster.policies, ...(governPending ? tenants.slice(k).map(selectsNothing) : [])];
      return { ...input, tenants, cluster: { ...input.cluster, policies } };
    }

    const counts = (result: Awaited<ReturnType<typeof auditFleetNetwork>>) =>
      result.checks
        .filter((c) => c.id === 'network.ingress' || c.id === 'network.egress')
        .map((c) => `${c.tenant} ${c.id} ${c.result} ${JSON.stringify((c.evidence as { undeclaredFlows?: number }).undeclaredFlows)}`);

    it('judges one pair of them and counts the rest, so the pairs judged grow linearly with them', async function () {
      const judged = await Promise.all([20, 40].map(async (m) => (await auditFleetNetwork(pending(2, m))).pairsJudged));
      const [twenty, forty] = judged as [number, number];
      // Every pending stand-in still meets every other pod once each way (linear); pairs of pending
      // stand-ins (quadratic: 1560 of them at 40) are counted from one.
      assert.ok(forty - twenty < 4 * 20 * 12, `20 more pending tenants cost ${forty - twenty} more pairs (${twenty} → ${forty})`);
      assert.ok(forty < 40 * 39, `${forty} pairs judged for 40 pending tenants`);
    });

    it('finds each of them open to the others, with the same counts and matrix as judging every pair', async function () {
      const counted = await auditFleetNetwork(pending(2, 12));
      const judged = await auditFleetNetwork(pending(2, 12, true));
      assert.ok(judged.pairsJudged > counted.pairsJudged + 12 * 11 - 2, 'the reference judged every pending pair');
      assert.deepEqual(counts(counted), counts(judged));
      assert.deepEqual(counted.matrix, judged.matrix);
      const ingress = check(counted, 't005', 'network.ingress');
      assert.equal(ingress.result, 'fail');
      assert.ok((ingress.evidence as { undeclaredFlows: number }).undeclaredFlows >= 11 * 6, 'every other pending tenant on every probe');
      const listed = (ingress.evidence as { flows: { from: string; to: string }[] }).flows;
      assert.equal(listed.length, 20);
      assert.ok(
        listed.every((flow) => flow.to === 'tenant-t005/(new-pod)' && !flow.from.startsWith('tenant-t005/')),
        'listed flows enter the tenant from elsewhere',
      );
      assert.deepEqual(cell(counted, 'tenant-t003', 'tenant-t009'), ['tcp/443', 'tcp/53', 'tcp/5432', 'tcp/80', 'tcp/8080', 'udp/53']);
      assert.deepEqual(cell(counted, 'tenant-t000', 'tenant-t009'), [], 'an onboarded tenant reaches none of them');
    });
  });
});
