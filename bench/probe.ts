/**
 * `make bench-probe`: how long `bulkhead audit --probe`'s probes on the wire take for 2, 20 and 50
 * tenants (PROBE_SIZES) on the real node, at PROBE_CONCURRENCY trying pods at once (default 4).
 * Each tenant is a Tenant object (no operator runs, so nothing else starts pods) with its namespace
 * under Pod Security restricted and Bulkhead's own NetworkPolicies from the operator's builder; the
 * ingress namespace is probed too. Every size must measure every attempt and agree with the
 * policies, or the run fails: a fast wrong answer is not a result.
 *
 *   PROBE_SIZES=2,20,50 PROBE_CONCURRENCY=4 node --import tsx bench/probe.ts
 */
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { namespaceName } from '../operator/src/api/names.js';
import { apiVersion, type Tenant } from '../operator/src/api/tenant.js';
import { ClusterReader, listAll } from '../operator/src/audit/cluster-reads.js';
import { defaultAssumptions } from '../operator/src/audit/network/index.js';
import { auditOnTheWire } from '../operator/src/audit/wire/index.js';
import { KubeClient } from '../operator/src/kube/client.js';
import { buildNetworkPolicies } from '../operator/src/resources/network-policies.js';
import { applyObjects, kubeConfig } from '../operator/test/support/cluster.js';
import { tenantManifest } from '../operator/test/support/tenants.js';
import { installCrds } from '../testenv/src/crds.js';
import { readEnvironment, startEnvironment, stopEnvironment } from '../testenv/src/environment.js';
import { benchTmp } from './lib/environment.js';
import { provenance, sizesFrom, writeResult } from './lib/results.js';
import { table } from './lib/stats.js';

const sizes = sizesFrom(process.env.PROBE_SIZES, [2, 20, 50]);
const concurrency = Number(process.env.PROBE_CONCURRENCY ?? 4);
const ingressNamespace = 'ingress-nginx';
const settings = { ingressNamespace, dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } };
const restricted = { 'pod-security.kubernetes.io/enforce': 'restricted' };

async function fleet(kc: k8s.KubeConfig, client: KubeClient, count: number): Promise<Tenant[]> {
  const names = Array.from({ length: count }, (_, index) => `pb-${String(index).padStart(3, '0')}`);
  await applyObjects(
    kc,
    names.map((name) => tenantManifest(name)),
  );
  const tenants = (await listAll<Tenant>(client, apiVersion, 'Tenant')).filter((tenant) => names.includes(tenant.metadata.name));
  const core = kc.makeApiClient(k8s.CoreV1Api);
  for (const namespace of [ingressNamespace, ...tenants.map(namespaceName)]) {
    await core.createNamespace({ body: { metadata: { name: namespace, labels: restricted } } }).catch(() => undefined);
  }
  await applyObjects(
    kc,
    tenants.flatMap((tenant) =>
      buildNetworkPolicies(
        { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '' },
        { namespace: namespaceName(tenant), egress: [], ingressPorts: [{ protocol: 'TCP', port: 8080 }] },
        settings,
      ),
    ) as unknown as k8s.KubernetesObject[],
  );
  return tenants;
}

async function main(): Promise<void> {
  const dir = join(benchTmp, `env-${process.pid}-probe`);
  const env = await startEnvironment(dir, { node: 'real' });
  process.env.BULKHEAD_TEST_ENVIRONMENT = dir;
  const client = KubeClient.load(env.kubeconfig);
  const rows: (string | number)[][] = [];
  try {
    await installCrds(env);
    const kc = kubeConfig(env.kubeconfig);
    const all = await fleet(kc, client, Math.max(...sizes));
    // Let kube-router program the policies before the first measurement.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    for (const size of sizes) {
      const started = Date.now();
      const result = await auditOnTheWire(client, new ClusterReader(client), {
        tenants: all.slice(0, size),
        platformNamespaces: [ingressNamespace],
        assumptions: defaultAssumptions,
        concurrency,
        fieldManager: 'bulkhead-bench',
      });
      const seconds = (Date.now() - started) / 1000;
      const attempts = result.observation.attempts;
      const unknown = attempts.filter((attempt) => attempt.verdict === 'unknown').length;
      const failing = result.checks.filter((check) => check.result !== 'pass').length;
      rows.push([size, size + 1, attempts.length, seconds.toFixed(1), unknown, failing]);
      console.log(
        `${size} tenants: ${attempts.length} attempts in ${seconds.toFixed(1)} s (${unknown} unknown, ${failing} checks not passing)`,
      );
      if (unknown > 0 || failing > 0)
        throw new Error(`${size} tenants: ${result.checks.find((check) => check.result !== 'pass')?.message ?? `${unknown} unknown`}`);
    }
  } finally {
    client.close();
    await stopEnvironment(readEnvironment(dir) ?? env);
  }
  const summary = table(['tenants', 'namespaces probed', 'attempts', 'seconds', 'unknown', 'checks not passing'], rows);
  console.log(`\nProbes on the wire, ${concurrency} trying pods at once:\n${summary}`);
  writeResult('probe', { ...provenance(env), concurrency, rows });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
