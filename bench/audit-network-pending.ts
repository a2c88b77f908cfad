/**
 * The fleet network analysis alone, in process, over N Tenants of which only K are onboarded (the
 * rest have no namespace, pods or policies yet, as while 1000 Tenants created at once are being
 * onboarded): time, peak memory and the longest event-loop stall of `auditFleetNetwork`, and the
 * size of its checks' evidence. The same inputs as `bulkhead audit` reads from such a cluster
 * (one app pod and the operator's policies per onboarded tenant), without a cluster: it isolates
 * the part that grew with the square of the not-yet-onboarded tenants (docs/decisions/0031).
 *
 *   PENDING_SIZES=200:20,400:20 node --import tsx bench/audit-network-pending.ts
 */
import { AuditCostMeter } from '../operator/src/audit/cost.js';
import { auditFleetNetwork } from '../operator/src/audit/fleet-network/evaluate.js';
import {
  defaultFleetProbes,
  type FleetNetworkInput,
  type FleetRanges,
  type TenantNetworkView,
} from '../operator/src/audit/fleet-network/model.js';
import { defaultAssumptions, type NetworkPolicy, type Pod } from '../operator/src/audit/network/index.js';
import { NetworkPolicyManifestSchema, networkPolicyOf } from '../operator/src/audit/network/manifest-schema.js';
import { boundEgress, excludedRanges } from '../operator/src/resources/egress.js';
import { buildNetworkPolicies } from '../operator/src/resources/network-policies.js';

const platform = { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const database = { address: '10.9.0.5', port: 5432 };
const clusterCIDRs = { pods: ['10.244.0.0/16'], services: ['10.96.0.0/12'], nodes: ['192.168.1.0/24'] };
const ranges: FleetRanges = {
  ...clusterCIDRs,
  excluded: excludedRanges({ ...clusterCIDRs, platform: [] }, [{ address: database.address, what: 'database server' }]),
};

const view = (i: number): TenantNetworkView => {
  const name = `bench-${String(i).padStart(4, '0')}`;
  return { name, namespace: `tenant-${name}`, allowEgressCIDRs: [], database, ingressPorts: [{ protocol: 'TCP', port: 8080 }] };
};

const policiesOf = (tenant: TenantNetworkView): NetworkPolicy[] =>
  buildNetworkPolicies(
    { name: tenant.name, uid: `uid-${tenant.name}` },
    { namespace: tenant.namespace, egress: boundEgress([], ranges.excluded).allowed, database, ingressPorts: tenant.ingressPorts },
    platform,
  ).map((manifest) => networkPolicyOf(NetworkPolicyManifestSchema.parse(manifest)));

const appPod = (tenant: TenantNetworkView, i: number): Pod => ({
  namespace: tenant.namespace,
  name: 'app-0',
  labels: { 'app.kubernetes.io/name': 'app' },
  ports: [{ containerPort: 8080, protocol: 'TCP' }],
  podIP: `10.244.${Math.floor(i / 250)}.${(i % 250) + 2}`,
  hostNetwork: false,
});

function fleet(n: number, onboarded: number): FleetNetworkInput {
  const tenants = Array.from({ length: n }, (_, i) => view(i));
  const ready = tenants.slice(0, onboarded);
  return {
    cluster: {
      namespaces: ready.map((t) => ({ name: t.namespace, labels: { 'kubernetes.io/metadata.name': t.namespace } })),
      pods: ready.map(appPod),
      policies: ready.flatMap(policiesOf),
    },
    tenants,
    platform,
    probes: defaultFleetProbes,
    assumptions: defaultAssumptions,
    ranges,
  };
}

for (const size of (process.env.PENDING_SIZES ?? '100:10,200:10,400:10').split(',')) {
  const [n, k] = size.split(':').map(Number) as [number, number];
  const input = fleet(n, k);
  global.gc?.();
  const meter = new AuditCostMeter(50);
  const cpu = process.cpuUsage();
  const result = await auditFleetNetwork(input);
  const cost = meter.stop();
  const used = process.cpuUsage(cpu);
  const cpuSeconds = Math.round((used.user + used.system) / 1e4) / 100;
  const failed = result.checks.filter((check) => check.result !== 'pass').length;
  const evidenceBytes = result.checks.reduce((sum, check) => sum + JSON.stringify(check.evidence ?? null).length, 0);
  const matrixBytes = JSON.stringify(result.matrix).length;
  const judged = 'pairsJudged' in result ? `, ${String(result.pairsJudged)} pod pairs judged` : '';
  console.log(
    `${n} tenants, ${k} onboarded: ${cost.seconds} s (CPU ${cpuSeconds} s${judged}), peak heap ${cost.peakHeapUsedMiB} MiB, peak RSS ${cost.peakRssMiB} MiB, ` +
      `longest stall ${cost.longestStallSeconds} s; ${result.checks.length} checks (${failed} failed), evidence ${evidenceBytes} B, matrix ${matrixBytes} B`,
  );
}
