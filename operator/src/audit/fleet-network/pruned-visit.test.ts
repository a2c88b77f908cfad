/**
 * The fleet audit's own inputs through the pruned visit and the exhaustive one
 * (docs/decisions/0059): the operator's NetworkPolicies, the stand-ins, tenants not yet onboarded
 * (bare, skipped as evaluate.ts skips them), a tenant opened by an allow-all policy, one whose
 * owner narrowed nothing but added an ipBlock over the pod network, and a hostNetwork pod. Same
 * flows in the same order and the same pairs judged, so the checks and the matrix cannot differ.
 */
import assert from 'node:assert/strict';
import { boundEgress, excludedRanges } from '../../resources/egress.js';
import { buildNetworkPolicies } from '../../resources/network-policies.js';
import { defaultAssumptions, type ClusterState, type NetworkPolicy, type Pod } from '../network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../network/manifest-schema.js';
import { podKey, visitAllowedFlows, visitEveryPair, type FlowVisitor } from '../network/reachability.js';
import { defaultFleetProbes, type TenantNetworkView } from './model.js';
import { bareStandIns, withStandIns } from './stand-ins.js';

const platform = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const database = { address: '10.9.0.5', port: 5432 };
const excluded = excludedRanges({ pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.0/24'], platform: [] }, [
  { address: database.address, what: 'database server' },
]);

function tenant(name: string): TenantNetworkView {
  return {
    name,
    namespace: `tenant-${name}`,
    allowEgressCIDRs: ['203.0.113.0/24'],
    database,
    ingressPorts: [{ protocol: 'TCP', port: 'http' }],
  };
}

const parsePolicy = (manifest: unknown): NetworkPolicy => networkPolicyOf(NetworkPolicyManifestSchema.parse(manifest));

function operatorPolicies(view: TenantNetworkView): NetworkPolicy[] {
  const network = {
    namespace: view.namespace,
    egress: boundEgress(view.allowEgressCIDRs, excluded).allowed,
    database,
    ingressPorts: view.ingressPorts,
  };
  return buildNetworkPolicies({ name: view.name, uid: `uid-${view.name}` }, network, platform).map(parsePolicy);
}

function pod(namespace: string, name: string, ip: string, extra: Partial<Pod> = {}): Pod {
  return {
    namespace,
    name,
    labels: { app: 'web' },
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    podIP: ip,
    hostNetwork: false,
    ...extra,
  };
}

function fleetCluster(): { cluster: ClusterState; skip: NonNullable<FlowVisitor['skip']> } {
  const tenants = ['a', 'b', 'c', 'open', 'wide', 'p1', 'p2', 'p3'].map(tenant);
  const onboarded = tenants.slice(0, 5);
  const tampered = [
    parsePolicy({ metadata: { name: 'allow-all', namespace: 'tenant-open' }, spec: { podSelector: {}, ingress: [{}], egress: [{}] } }),
    parsePolicy({
      metadata: { name: 'to-pods', namespace: 'tenant-wide' },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{ to: [{ ipBlock: { cidr: '10.244.0.0/16', except: ['10.244.0.12/32'] } }] }],
      },
    }),
  ];
  const pods = [
    ...onboarded.flatMap((view, i) => [
      pod(view.namespace, 'app-0', `10.244.0.${10 + 2 * i}`),
      pod(view.namespace, 'app-1', `10.244.0.${11 + 2 * i}`),
    ]),
    pod('monitoring', 'scraper', '10.244.1.2', { labels: { app: 'prometheus' } }),
    pod('kube-system', 'kube-proxy', '192.168.1.10', { hostNetwork: true, ports: [] }),
    pod('kube-system', 'coredns', '10.244.1.3', {
      labels: platform.dnsPodLabels,
      ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }],
    }),
  ];
  const live: ClusterState = {
    namespaces: ['monitoring', 'kube-system', ...onboarded.map((view) => view.namespace)].map((name) => ({
      name,
      labels: { 'kubernetes.io/metadata.name': name },
    })),
    pods,
    policies: [...onboarded.flatMap(operatorPolicies), ...tampered],
    addressRanges: { pods: ['10.244.0.0/16'], nodes: ['192.168.1.0/24'] },
  };
  const cluster = withStandIns(live, tenants, platform);
  const bare = bareStandIns(cluster, tenants, platform);
  const isBare = new Set(bare);
  const [first, second] = bare;
  return { cluster, skip: (from, to) => isBare.has(from) && isBare.has(to) && !(from === first && to === second) };
}

async function visitWith(visit: typeof visitAllowedFlows, assumptions = defaultAssumptions): Promise<{ flows: string[]; judged: number }> {
  const { cluster, skip } = fleetCluster();
  const flows: string[] = [];
  const judged = await visit(cluster, defaultFleetProbes, assumptions, {
    visit: (flow, from, to) => flows.push(`${podKey(from)} > ${podKey(to)} ${JSON.stringify(flow)}`),
    skip,
  });
  return { flows, judged };
}

describe("the fleet audit's pruned visit", function () {
  for (const [name, assumptions] of [
    ['the default assumptions', defaultAssumptions],
    [
      'no hostNetwork bypass and no ipBlock over pod IPs',
      { ...defaultAssumptions, hostNetworkPodsBypass: false, ipBlockMatchesPodIPs: false },
    ],
  ] as const) {
    it(`finds the same flows and judges the same pairs as the exhaustive visit over the operator's policies, under ${name}`, async function () {
      const pruned = await visitWith(visitAllowedFlows, assumptions);
      const exhaustive = await visitWith(visitEveryPair, assumptions);
      assert.deepEqual(pruned, exhaustive);
      assert.ok(
        pruned.flows.some((flow) => flow.startsWith('monitoring/scraper > tenant-open/app-0')),
        'the allow-all tenant is reached',
      );
    });
  }

  it('follows the ipBlock over the pod network into other tenants only where their ingress admits it', async function () {
    const { flows } = await visitWith(visitAllowedFlows);
    assert.ok(
      flows.some((flow) => flow.startsWith('tenant-wide/app-0 > tenant-open/app-0')),
      'into the allow-all tenant',
    );
    assert.ok(
      flows.some((flow) => flow.startsWith('tenant-wide/app-0 > monitoring/scraper')),
      'into a namespace without policies',
    );
    assert.ok(!flows.some((flow) => flow.startsWith('tenant-wide/app-0 > tenant-a/')), 'not into an isolated tenant');
  });
});
