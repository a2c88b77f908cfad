/**
 * The fleet network analysis's visit alone, in process, over N onboarded tenants: the pairs judged,
 * the allowed flows, the CPU seconds and the peak heap of `visitAllowedFlows` (pruned by namespace,
 * docs/decisions/0059) beside `visitEveryPair` (the exhaustive visit it replaced). The cluster is
 * what `bulkhead audit` would read: per tenant a namespace, two app pods and the operator's own
 * NetworkPolicies (resources/network-policies.ts, with a database and a KMS endpoint and one
 * declared egress CIDR); the ingress controller's and the DNS namespaces with their pods, a
 * hostNetwork kube-proxy; then the audit's stand-ins (fleet-network/stand-ins.ts) and its skip of
 * bare pairs. Above EXHAUSTIVE_FULL_MAX tenants (300) the exhaustive visit judges only the first
 * EXHAUSTIVE_SOURCES source pods (100, by a skip of every other source's pairs) and its CPU is
 * extrapolated by the number of source pods: its cost per source hardly varies, as every source is
 * judged against every pod.
 *
 *   SCALE_SIZES=100,300,1000 nice -n 19 node --expose-gc --import tsx bench/audit-network-scale.ts
 */
import { AuditCostMeter } from '../operator/src/audit/cost.js';
import { defaultFleetProbes, type PlatformNetwork, type TenantNetworkView } from '../operator/src/audit/fleet-network/model.js';
import { bareStandIns, withStandIns } from '../operator/src/audit/fleet-network/stand-ins.js';
import { defaultAssumptions, type ClusterState, type NetworkPolicy, type Pod } from '../operator/src/audit/network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../operator/src/audit/network/manifest-schema.js';
import { CandidateDestinations } from '../operator/src/audit/network/candidate-destinations.js';
import { effectivePolicyTypes, ipBlockMatchesPod, policySelectsPod } from '../operator/src/audit/network/policy-semantics.js';
import { podKey, visitAllowedFlows, visitEveryPair, type FlowVisitor } from '../operator/src/audit/network/reachability.js';
import { boundEgress, excludedRanges } from '../operator/src/resources/egress.js';
import { buildNetworkPolicies } from '../operator/src/resources/network-policies.js';

const platform: PlatformNetwork = {
  ingressNamespace: 'ingress-nginx',
  dnsNamespace: 'kube-system',
  dnsPodLabels: { 'k8s-app': 'kube-dns' },
};
const database = { address: '10.9.0.5', port: 5432 };
const kms = { address: '10.9.0.6', port: 4566 };
const clusterCIDRs = { pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.0/24'] };
const excluded = excludedRanges({ ...clusterCIDRs, platform: [] }, [
  { address: database.address, what: 'database server' },
  { address: kms.address, what: 'KMS endpoint' },
]);
const probes = defaultFleetProbes;
const assumptions = defaultAssumptions;

function tenantView(i: number): TenantNetworkView {
  const name = `bench-${String(i).padStart(4, '0')}`;
  return {
    name,
    namespace: `tenant-${name}`,
    allowEgressCIDRs: ['203.0.113.0/24'],
    database,
    kms,
    ingressPorts: [{ protocol: 'TCP', port: 'http' }],
  };
}

function policiesOf(tenant: TenantNetworkView): NetworkPolicy[] {
  const network = {
    namespace: tenant.namespace,
    egress: boundEgress(tenant.allowEgressCIDRs, excluded).allowed,
    database,
    kms,
    ingressPorts: tenant.ingressPorts,
  };
  return buildNetworkPolicies({ name: tenant.name, uid: `uid-${tenant.name}` }, network, platform).map((manifest) =>
    networkPolicyOf(NetworkPolicyManifestSchema.parse(manifest)),
  );
}

let nextAddress = 2;
function pod(namespace: string, name: string, extra: Partial<Pod> = {}): Pod {
  const address = nextAddress++;
  return {
    namespace,
    name,
    labels: { 'app.kubernetes.io/name': 'app', 'app.kubernetes.io/instance': namespace },
    ports: [{ name: 'http', containerPort: 8080, protocol: 'TCP' }],
    podIP: `10.244.${Math.floor(address / 250)}.${(address % 250) + 2}`,
    hostNetwork: false,
    ...extra,
  };
}

function platformPods(): Pod[] {
  const dnsPorts: Pod['ports'] = [
    { name: 'dns', containerPort: 53, protocol: 'UDP' },
    { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' },
  ];
  const controller = { 'app.kubernetes.io/name': 'ingress-nginx' };
  return [
    pod(platform.ingressNamespace, 'ingress-nginx-controller-0', {
      labels: controller,
      ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }],
    }),
    pod(platform.dnsNamespace, 'coredns-0', { labels: platform.dnsPodLabels, ports: dnsPorts }),
    pod(platform.dnsNamespace, 'coredns-1', { labels: platform.dnsPodLabels, ports: dnsPorts }),
    pod(platform.dnsNamespace, 'kube-proxy-0', {
      labels: { 'k8s-app': 'kube-proxy' },
      ports: [],
      podIP: '192.168.1.10',
      hostNetwork: true,
    }),
  ];
}

function fleet(n: number): { cluster: ClusterState; tenants: TenantNetworkView[] } {
  nextAddress = 2;
  const tenants = Array.from({ length: n }, (_, i) => tenantView(i));
  const namespaces = [platform.ingressNamespace, platform.dnsNamespace, ...tenants.map((tenant) => tenant.namespace)].map((name) => ({
    name,
    labels: { 'kubernetes.io/metadata.name': name },
  }));
  const pods = [...platformPods(), ...tenants.flatMap((tenant) => [pod(tenant.namespace, 'app-0'), pod(tenant.namespace, 'app-1')])];
  const live: ClusterState = {
    namespaces,
    pods,
    policies: tenants.flatMap(policiesOf),
    addressRanges: { pods: clusterCIDRs.pods, nodes: clusterCIDRs.nodes },
  };
  return { cluster: withStandIns(live, tenants, platform), tenants };
}

/** The fleet audit's skip (fleet-network/evaluate.ts): bare stand-in pairs but one sample. */
function bareSkip(cluster: ClusterState, tenants: TenantNetworkView[]): NonNullable<FlowVisitor['skip']> {
  const bare = bareStandIns(cluster, tenants, platform);
  const isBare = new Set(bare);
  const [first, second] = bare;
  return (from, to) => isBare.has(from) && isBare.has(to) && !(from === first && to === second);
}

interface Measured {
  judged: number;
  allowed: number;
  cpuSeconds: number;
  wallSeconds: number;
  peakHeapMiB: number;
  longestStallSeconds: number;
}

async function measure(visit: typeof visitAllowedFlows, cluster: ClusterState, skip: FlowVisitor['skip']): Promise<Measured> {
  global.gc?.();
  let allowed = 0;
  const meter = new AuditCostMeter(50);
  const cpu = process.cpuUsage();
  const judged = await visit(cluster, probes, assumptions, { visit: () => (allowed += 1), ...(skip ? { skip } : {}) });
  const used = process.cpuUsage(cpu);
  const cost = meter.stop();
  return {
    judged,
    allowed,
    cpuSeconds: (used.user + used.system) / 1e6,
    wallSeconds: cost.seconds,
    peakHeapMiB: cost.peakHeapUsedMiB,
    longestStallSeconds: cost.longestStallSeconds,
  };
}

/** The pairs the pruned visit judges one by one (its candidates), counted apart from the timed run. */
function candidatePairs(cluster: ClusterState): number {
  const pods = [...cluster.pods].sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
  const byNamespace = new Map<string, NetworkPolicy[]>();
  for (const policy of cluster.policies) byNamespace.set(policy.namespace, [...(byNamespace.get(policy.namespace) ?? []), policy]);
  const labels = new Map(cluster.namespaces.map((namespace) => [namespace.name, namespace.labels]));
  const candidates = new CandidateDestinations(
    pods,
    {
      isolatingPolicies: (pod, direction) =>
        (byNamespace.get(pod.namespace) ?? []).filter(
          (policy) => policySelectsPod(policy, pod) && effectivePolicyTypes(policy).includes(direction),
        ),
      labelsOf: (namespace) => ({ ...labels.get(namespace), 'kubernetes.io/metadata.name': namespace }),
      ipBlockMatches: (block, remote) =>
        ipBlockMatchesPod(block, { remote, assumptions, ...(cluster.addressRanges ? { addressRanges: cluster.addressRanges } : {}) }),
    },
    assumptions,
  );
  return pods.reduce((sum, source) => sum + candidates.of(source).length, 0);
}

const round = (value: number, digits = 2): string => value.toFixed(digits);

function line(label: string, m: Measured): string {
  return (
    `  ${label}: ${m.judged} pairs judged, ${m.allowed} allowed flows, CPU ${round(m.cpuSeconds)} s (wall ${round(m.wallSeconds)} s), ` +
    `peak heap ${round(m.peakHeapMiB, 1)} MiB, longest stall ${round(m.longestStallSeconds)} s`
  );
}

const fullMax = Number(process.env.EXHAUSTIVE_FULL_MAX ?? 300);
const sampledSources = Number(process.env.EXHAUSTIVE_SOURCES ?? 100);

for (const n of (process.env.SCALE_SIZES ?? '100,300,1000').split(',').map(Number)) {
  const { cluster, tenants } = fleet(n);
  const skip = bareSkip(cluster, tenants);
  const pods = cluster.pods.length;
  console.log(
    `${n} tenants: ${pods} pods with the stand-ins, ${pods * (pods - 1)} ordered pairs, ${probes.length} probes; ${candidatePairs(cluster)} candidate pairs`,
  );
  const after = await measure(visitAllowedFlows, cluster, skip);
  console.log(line('after (pruned)', after));
  if (n <= fullMax) {
    const before = await measure(visitEveryPair, cluster, skip);
    console.log(line('before (exhaustive)', before));
    const same = before.judged === after.judged && before.allowed === after.allowed;
    console.log(`  same pairs judged and allowed flows: ${same ? 'yes' : 'NO'}`);
    continue;
  }
  const sorted = [...cluster.pods].sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
  const sampled = new Set(sorted.slice(0, sampledSources));
  const sample = await measure(visitEveryPair, cluster, (from, to) => !sampled.has(from) || skip(from, to));
  console.log(line(`before (exhaustive), first ${sampledSources} source pods only`, sample));
  // What the sample spent skipping the other sources' pairs, taken out before scaling up.
  const skipping = await measure(visitEveryPair, cluster, () => true);
  const perSource = (sample.cpuSeconds - skipping.cpuSeconds) / sampledSources;
  console.log(
    `  before (exhaustive), extrapolated to ${pods} source pods: CPU ${round(perSource * pods + skipping.cpuSeconds, 0)} s ` +
      `(${round(perSource, 3)} s per source pod; skipping every pair alone ${round(skipping.cpuSeconds)} s)`,
  );
}
