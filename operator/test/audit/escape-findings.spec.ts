/**
 * The same escapes shared-infrastructure.spec.ts sees refused, on a cluster without Bulkhead's
 * admission policies (admissionPolicies.enabled: false, and any left from other specs deleted):
 * each one is created, as a tenant owner where RBAC lets owners and as a cluster admin for the
 * rest, and `bulkhead audit` finds every class, naming the tenant, the object and the rule. The
 * operator's periodic audit finds them too; started again with the policies on, the operator
 * restores them and the audit's admission-policy check passes.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { clusterRanges, installGatewayApi, issueUserKubeconfig, testEnvironment } from '@bulkhead/testenv';
import { admissionPolicyNames } from '../../src/resources/admission-policies.js';
import { apiError, applyObjects, eventually, kubeConfig } from '../support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from '../support/operator-process.js';
import { prepareCluster } from '../support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
} from '../support/tenants.js';
import { auditConfig, bulkheadAudit } from './cli.js';

const baseDomain = 'tenants.test';
const [a, b] = ['escf-a', 'escf-b'];
const [nsA, nsB] = [`tenant-${a}`, `tenant-${b}`];
const openPlan = 'escf-open';
const nodeAgent = { namespace: 'kube-system', name: 'escf-node-agent' };

interface Offence {
  object: string;
  rule: string;
  reason: string;
  detail: string;
}
interface Check {
  id: string;
  tenant?: string;
  result: string;
  reason: string;
  message: string;
  evidence: { offences?: Offence[]; nodeSenders?: string[]; flows?: { to: string; egressAllowedBy: string[] }[] } | null;
}
interface Report {
  checks: Check[];
  limitations: string[];
  matrix: { cells: { from: string; to: string; allowed: string[] }[] } | null;
}

/** One escape: what is created, and the finding it must give (check, tenant, object, rule, reason). */
interface Escape {
  what: string;
  check: string;
  tenant: string;
  object: string;
  rule: string;
  reason: string;
}

const escapes: Escape[] = [
  {
    what: 'a Service with externalIPs',
    check: 'network.external-ips',
    tenant: a,
    object: `Service ${nsA}/capture`,
    rule: 'no-external-ips',
    reason: 'ExternalIPs',
  },
  {
    what: 'a NodePort Service',
    check: 'network.service-types',
    tenant: a,
    object: `Service ${nsA}/node-port`,
    rule: 'cluster-ip-only',
    reason: 'NodePortOrLoadBalancer',
  },
  {
    what: "an ExternalName to another tenant's Service",
    check: 'network.external-names',
    tenant: a,
    object: `Service ${nsA}/alias`,
    rule: 'external-name-outside-cluster',
    reason: 'ExternalNameIntoCluster',
  },
  {
    what: 'an ExternalName the plan does not allow',
    check: 'network.external-names',
    tenant: a,
    object: `Service ${nsA}/partner`,
    rule: 'external-name-by-plan',
    reason: 'ExternalNameNotAllowed',
  },
  {
    what: "an Ingress for another tenant's host",
    check: 'network.ingress-hosts',
    tenant: a,
    object: `Ingress ${nsA}/steal`,
    rule: 'ingress-host-in-tenant-domains',
    reason: 'HostOutsideTenantDomains',
  },
  {
    what: "the same host in two tenants' Ingresses (the thief's side)",
    check: 'network.shared-hosts',
    tenant: a,
    object: `Ingress ${nsA}/steal`,
    rule: 'ingress-host-in-tenant-domains',
    reason: 'HostServedByAnotherTenant',
  },
  {
    what: "the same host in two tenants' Ingresses (the holder's side)",
    check: 'network.shared-hosts',
    tenant: b,
    object: `Ingress ${nsB}/own`,
    rule: 'ingress-host-in-tenant-domains',
    reason: 'HostServedByAnotherTenant',
  },
  {
    what: 'an Ingress rule without a host',
    check: 'network.ingress-catch-all',
    tenant: a,
    object: `Ingress ${nsA}/catch-all`,
    rule: 'ingress-host-required',
    reason: 'IngressRuleWithoutHost',
  },
  {
    what: 'an Ingress default backend',
    check: 'network.ingress-catch-all',
    tenant: a,
    object: `Ingress ${nsA}/fallback`,
    rule: 'no-default-backend',
    reason: 'IngressDefaultBackend',
  },
  {
    what: 'an ingress-controller snippet',
    check: 'network.ingress-configuration',
    tenant: a,
    object: `Ingress ${nsA}/snippet`,
    rule: 'no-controller-configuration',
    reason: 'ControllerConfiguration',
  },
  {
    what: 'an HTTPRoute without hostnames',
    check: 'network.route-hostnames',
    tenant: a,
    object: `HTTPRoute ${nsA}/every-host`,
    rule: 'route-hostnames-required',
    reason: 'RouteWithoutHostnames',
  },
  {
    what: "an HTTPRoute for another tenant's host",
    check: 'network.route-hostnames',
    tenant: a,
    object: `HTTPRoute ${nsA}/steal`,
    rule: 'route-hostnames-in-tenant-domains',
    reason: 'HostOutsideTenantDomains',
  },
  {
    what: 'a NetworkPolicy Bulkhead did not write',
    check: 'network.policy-authors',
    tenant: a,
    object: `NetworkPolicy ${nsA}/egress-wide`,
    rule: 'network-policies-by-bulkhead-only',
    reason: 'ForeignNetworkPolicy',
  },
  {
    what: 'a Bulkhead NetworkPolicy someone else changed',
    check: 'network.policy-authors',
    tenant: b,
    object: `NetworkPolicy ${nsB}/default-deny`,
    rule: 'network-policies-by-bulkhead-only',
    reason: 'NetworkPolicyChangedByOther',
  },
  {
    what: 'a hand-written EndpointSlice',
    check: 'network.manual-endpoints',
    tenant: a,
    object: `EndpointSlice ${nsA}/to-b`,
    rule: 'no-manual-endpoints',
    reason: 'ManualEndpoints',
  },
  {
    what: 'hand-written Endpoints',
    check: 'network.manual-endpoints',
    tenant: a,
    object: `Endpoints ${nsA}/to-b`,
    rule: 'no-manual-endpoints',
    reason: 'ManualEndpoints',
  },
  {
    what: "a claim pre-bound to someone else's volume",
    check: 'guardrails.volumes',
    tenant: a,
    object: `PersistentVolumeClaim ${nsA}/steal`,
    rule: 'no-volume-binding',
    reason: 'VolumeNotProvisionedForClaim',
  },
  {
    what: 'an owner-held finalizer',
    check: 'guardrails.finalizers',
    tenant: a,
    object: `Service ${nsA}/held`,
    rule: 'kubernetes-finalizers-only',
    reason: 'OwnerHeldFinalizer',
  },
];

const backend = { service: { name: 'web', port: { number: 8080 } } };
const hostRule = (host?: string): k8s.V1IngressRule => ({
  ...(host ? { host } : {}),
  http: { paths: [{ path: '/', pathType: 'Prefix', backend }] },
});
const ingress = (name: string, spec: k8s.V1IngressSpec, annotations?: Record<string, string>): k8s.V1Ingress => ({
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});
const httpRoute = (name: string, hostnames?: string[]) => ({
  apiVersion: 'gateway.networking.k8s.io/v1',
  kind: 'HTTPRoute',
  metadata: { name },
  spec: { ...(hostnames ? { hostnames } : {}), rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
});

function check(report: Report, id: string, tenant: string): Check {
  const found = report.checks.find((c) => c.id === id && c.tenant === tenant);
  assert.ok(found, `the report has ${id} for ${tenant}`);
  return found;
}

async function readReport(file: string, run: Promise<{ code: number; stderr: string }>): Promise<Report> {
  const result = await run;
  assert.ok(existsSync(file), `the audit wrote no report: ${result.stderr}`);
  assert.equal(result.code, 1, `the audit exits 1 on findings: ${result.stderr}`);
  return JSON.parse(readFileSync(file, 'utf8')) as Report;
}

describe('the audit, on a cluster without the admission policies, finds each escape of a hostile owner', function () {
  this.timeout(300_000);
  let env: ReturnType<typeof testEnvironment>;
  let network: { clusterCIDRs: ReturnType<typeof clusterRanges>; baseDomain: string };
  let admin: k8s.KubeConfig;
  let ownerA: k8s.KubeConfig;
  let ownerB: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let dir: string;
  let report: Report;

  /** `bulkhead audit` as the cluster admin, with this configuration, its JSON report in dir/name.json. */
  const audit = (name: string, config: Record<string, unknown>): Promise<Report> => {
    const out = join(dir, `${name}.json`);
    const configFile = auditConfig(dir, name, { regions: operatorRegions(), ...config });
    const args = ['--format', 'json', '--out', out, '--no-probes', '--signing-key', join(dir, 'signing.pem')];
    return readReport(out, bulkheadAudit(args, { KUBECONFIG: env.kubeconfig, BULKHEAD_CONFIG: configFile }));
  };

  before(async function () {
    env = testEnvironment();
    network = { clusterCIDRs: clusterRanges(env), baseDomain };
    admin = await prepareCluster();
    await installGatewayApi(env);
    dir = mkdtempSync(join(env.dir, 'run', 'escape-findings-'));
    writeFileSync(join(dir, 'signing.pem'), generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }));
    const standard = (await customObjects(admin).getClusterCustomObject({ group, version, plural: 'tenantplans', name: 'standard' })) as {
      spec: Record<string, unknown>;
    };
    await applyObjects(admin, [
      {
        apiVersion: `${group}/${version}`,
        kind: 'TenantPlan',
        metadata: { name: openPlan },
        spec: { ...standard.spec, network: { allowExternalNameServices: true } },
      } as k8s.KubernetesObject,
    ]);
    operator = startOperator({ network, admissionPolicies: { enabled: false }, audit: { initialDelaySeconds: 3600 } });
    // Delete: nothing of these tenants is kept, so a run against a reused environment starts clean.
    const database = { deletionPolicy: 'Delete' };
    await applyObjects(admin, [
      tenantManifest(a, { database }),
      tenantManifest(b, { database, plan: openPlan, network: { domains: ['escf-b.example'] } }),
    ]);
    await waitForReady(admin, a);
    await waitForReady(admin, b);
    // The escapes are made with no operator running: it would put the quota back, which refuses a NodePort.
    await operator.stop();
    operator = undefined;
    await deleteAdmissionPolicies(admin, nsA);
    ownerA = kubeConfig(issueUserKubeconfig(env, 'mallory', [`${a}-admins`]));
    ownerB = kubeConfig(issueUserKubeconfig(env, 'trudy', [`${b}-admins`]));
    await createEscapes();
    report = await audit('policies-off', { network, admissionPolicies: { enabled: false } });
  });

  after(async function () {
    const core = admin.makeApiClient(k8s.CoreV1Api);
    await core
      .patchNamespacedService(
        { namespace: nsA, name: 'held', body: { metadata: { finalizers: null } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
      )
      .catch(() => undefined);
    await core.deleteNamespacedPod({ ...nodeAgent, gracePeriodSeconds: 0 }).catch(() => undefined);
    operator ??= startOperator({ network });
    await deleteTenantsAndWait(admin, [a, b]);
    await operator.stop();
    await customObjects(admin)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: openPlan })
      .catch(() => undefined);
  });

  /** A /8 around the pod network: an ipBlock that reaches into the cluster without any except. */
  const wideCidr = (): string => `${(clusterRanges(env).pods[0] ?? '10.').split('.')[0] ?? '10'}.0.0.0/8`;

  /** Every escape class, as the owners (what their RBAC allows) and as a cluster admin. */
  async function createEscapes(): Promise<void> {
    const asOwner = ownerA.makeApiClient(k8s.CoreV1Api);
    await admin.makeApiClient(k8s.CoreV1Api).deleteNamespacedResourceQuota({ namespace: nsA, name: 'tenant-quota' });
    const service = (name: string, spec: k8s.V1ServiceSpec, finalizers?: string[]) =>
      asOwner.createNamespacedService({ namespace: nsA, body: { metadata: { name, ...(finalizers ? { finalizers } : {}) }, spec } });
    await service('capture', { selector: { app: 'x' }, ports: [{ port: 80 }], externalIPs: ['10.0.0.10'] });
    await service('node-port', { type: 'NodePort', selector: { app: 'x' }, ports: [{ port: 80 }] });
    await service('alias', { type: 'ExternalName', externalName: `web.${nsB}.svc.cluster.local` });
    await service('partner', { type: 'ExternalName', externalName: 'api.partner.example.org' });
    await service('held', { selector: { app: 'x' }, ports: [{ port: 80 }] }, ['example.com/hold']);
    await asOwner.createNamespacedPersistentVolumeClaim({
      namespace: nsA,
      body: {
        metadata: { name: 'steal' },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'someone-elses-data' },
      },
    });

    const ingresses = (owner: k8s.KubeConfig, namespace: string, body: k8s.V1Ingress) =>
      owner.makeApiClient(k8s.NetworkingV1Api).createNamespacedIngress({ namespace, body });
    await ingresses(ownerB, nsB, ingress('own', { rules: [hostRule('escf-b.example')] }));
    await ingresses(ownerA, nsA, ingress('steal', { rules: [hostRule('escf-b.example')] }));
    await ingresses(ownerA, nsA, ingress('catch-all', { rules: [hostRule()] }));
    await ingresses(ownerA, nsA, ingress('fallback', { defaultBackend: backend }));
    await ingresses(
      ownerA,
      nsA,
      ingress(
        'snippet',
        { rules: [hostRule(`${a}.${baseDomain}`)] },
        { 'nginx.ingress.kubernetes.io/server-snippet': 'proxy_pass http://10.0.0.1;' },
      ),
    );

    // Owners hold no rights on routes, endpoints or NetworkPolicies: a cluster admin (or a chart) writes those.
    for (const route of [httpRoute('every-host'), httpRoute('steal', ['escf-b.example'])]) {
      await customObjects(admin).createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace: nsA,
        plural: 'httproutes',
        body: route,
      });
    }
    await admin.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
      namespace: nsA,
      body: {
        metadata: { name: 'to-b', labels: { 'kubernetes.io/service-name': 'capture' } },
        addressType: 'IPv4',
        endpoints: [{ addresses: ['10.244.0.99'] }],
        ports: [{ port: 8080 }],
      },
    });
    await admin.makeApiClient(k8s.CoreV1Api).createNamespacedEndpoints({
      namespace: nsA,
      body: { metadata: { name: 'to-b' }, subsets: [{ addresses: [{ ip: '10.244.0.99' }], ports: [{ port: 8080 }] }] },
    });
    const policies = admin.makeApiClient(k8s.NetworkingV1Api);
    await policies.createNamespacedNetworkPolicy({
      namespace: nsA,
      body: {
        metadata: { name: 'egress-wide' },
        spec: { podSelector: {}, policyTypes: ['Egress'], egress: [{ to: [{ ipBlock: { cidr: wideCidr() } }] }] },
      },
    });
    await policies.patchNamespacedNetworkPolicy(
      {
        namespace: nsB,
        name: 'default-deny',
        fieldManager: 'escape-spec',
        body: { spec: { ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': nsA } } }] }] } },
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );

    // A node agent outside the tenants: the pods on its node cannot refuse it.
    await admin.makeApiClient(k8s.CoreV1Api).createNamespacedPod({
      namespace: nodeAgent.namespace,
      body: {
        metadata: { name: nodeAgent.name },
        spec: { hostNetwork: true, containers: [{ name: 'agent', image: 'registry.k8s.io/pause:3.10' }] },
      },
    });
    await eventually(
      'the node agent to get its address',
      async () => (await admin.makeApiClient(k8s.CoreV1Api).readNamespacedPod(nodeAgent)).status?.podIP,
    );
  }

  for (const escape of escapes) {
    it(`finds ${escape.what}: ${escape.check} ${escape.reason} for ${escape.tenant}, naming ${escape.object} and bulkhead.dev/${escape.rule}`, function () {
      const found = check(report, escape.check, escape.tenant);
      assert.equal(found.result, 'fail', found.message);
      const offence = found.evidence?.offences?.find((o) => o.object === escape.object && o.reason === escape.reason);
      assert.ok(offence, `${escape.object} ${escape.reason} among ${JSON.stringify(found.evidence?.offences)}`);
      assert.equal(offence.rule, `bulkhead.dev/${escape.rule}`);
      assert.match(found.message, new RegExp(`\\(bulkhead\\.dev/[a-z-]+\\)`), 'the message names the rule');
    });
  }

  it('finds a NetworkPolicy whose ipBlock reaches the pod network without an except: network.egress-bounds EgressIntoCluster', function () {
    const found = check(report, 'network.egress-bounds', a);
    assert.equal(found.reason, 'EgressIntoCluster');
    assert.match(
      found.message,
      new RegExp(
        `${nsA}/egress-wide egress\\[0\\] allows ${wideCidr().replaceAll('.', '\\.')}, which reaches ${clusterRanges(env).pods[0]?.replaceAll('.', '\\.')} \\(pod network\\).*bulkhead\\.dev/egress-outside-cluster`,
      ),
    );
    assert.equal(check(report, 'network.egress-bounds', b).result, 'pass', "the operator's own egress policies are bounded");
  });

  it('judges that ipBlock as reaching pods that have no address yet, and the tampered policy as letting one tenant into the other', function () {
    const egress = check(report, 'network.egress', a);
    assert.equal(egress.reason, 'UndeclaredEgress');
    assert.ok(
      egress.evidence?.flows?.some(
        (flow) => flow.to === '(unisolated-namespace)/(any-pod)' && flow.egressAllowedBy.includes(`${nsA}/egress-wide#egress[0]`),
      ),
      JSON.stringify(egress.evidence?.flows?.slice(0, 3)),
    );
    const into = check(report, 'network.ingress', b);
    assert.equal(into.reason, 'UndeclaredIngress');
    assert.match(JSON.stringify(into.evidence), new RegExp(`${nsB}/default-deny#ingress\\[0\\]`));
    assert.ok(
      report.matrix?.cells.find((cell) => cell.from === nsA && cell.to === nsB)?.allowed.length,
      'the matrix shows the cross-tenant flow',
    );
  });

  it('lists a hostNetwork pod outside the tenants as node traffic every tenant pod admits, and draws it in the matrix', function () {
    assert.ok(check(report, 'network.ingress', a).evidence?.nodeSenders?.includes(`${nodeAgent.namespace}/${nodeAgent.name}`));
    assert.ok(
      report.matrix?.cells.find((cell) => cell.from === '(other)' && cell.to === nsA)?.allowed.includes('tcp/80'),
      "every port, not just the app's",
    );
    assert.ok(report.limitations.some((sentence) => /cannot refuse traffic from its own node/.test(sentence)));
  });

  it('states that the admission policies are off instead of checking them', function () {
    assert.ok(
      report.limitations.some((sentence) => /admissionPolicies\.enabled: false/.test(sentence)),
      report.limitations.join('\n'),
    );
    assert.deepEqual(
      report.checks.filter((c) => c.id === 'guardrails.admission-policies'),
      [],
    );
  });

  it('finds the admission policies missing for every tenant when the configuration expects them', async function () {
    const expecting = await audit('policies-expected', { network });
    for (const tenant of [a, b]) {
      const found = check(expecting, 'guardrails.admission-policies', tenant);
      assert.equal(found.reason, 'AdmissionPolicyMissing');
      for (const name of admissionPolicyNames) {
        assert.ok(
          found.evidence?.offences?.some(
            (o) => o.object === `ValidatingAdmissionPolicy ${name}` && o.rule === 'bulkhead.dev/admission-policies-as-built',
          ),
          name,
        );
        assert.ok(
          found.evidence?.offences?.some(
            (o) => o.object === `ValidatingAdmissionPolicyBinding ${name}` && o.reason === 'AdmissionBindingMissing',
          ),
          name,
        );
      }
    }
  });

  it('finds ClusterRangesUnknown when the configuration lacks the pod and Service ranges', async function () {
    const unknown = await audit('ranges-unknown', { network: { baseDomain }, admissionPolicies: { enabled: false } });
    for (const tenant of [a, b]) assert.equal(check(unknown, 'network.egress-bounds', tenant).reason, 'ClusterRangesUnknown');
  });

  it("lets the operator's periodic audit find them too: IsolationVerified False for both tenants", async function () {
    operator = startOperator({ network, admissionPolicies: { enabled: false }, audit: { initialDelaySeconds: 1, intervalSeconds: 3600 } });
    for (const tenant of [a, b]) {
      const verified = await eventually(
        `${tenant} IsolationVerified False`,
        async () => {
          const found = condition(await readTenant(admin, tenant), 'IsolationVerified');
          return found?.status === 'False' ? found : undefined;
        },
        120_000,
      );
      assert.equal(verified.reason, 'IsolationViolated');
      assert.match(verified.message, /network\.|guardrails\./);
    }
    await operator.stop();
    operator = undefined;
  });

  it("sees the operator with the policies on restore them, refuse again, and the audit's admission-policy check pass", async function () {
    operator = startOperator({ network, audit: { initialDelaySeconds: 3600 } });
    const api = admin.makeApiClient(k8s.AdmissionregistrationV1Api);
    await eventually('every policy and binding restored', async () => {
      const [policies, bindings] = await Promise.all([api.listValidatingAdmissionPolicy(), api.listValidatingAdmissionPolicyBinding()]);
      const present = (items: { metadata?: { name?: string } }[]) =>
        admissionPolicyNames.every((name) => items.some((item) => item.metadata?.name === name));
      return present(policies.items) && present(bindings.items) ? true : undefined;
    });
    await eventually('an externalIPs Service refused again', () =>
      ownerA
        .makeApiClient(k8s.CoreV1Api)
        .createNamespacedService({
          namespace: nsA,
          body: {
            metadata: { generateName: 'capture-again-' },
            spec: { selector: { app: 'x' }, ports: [{ port: 80 }], externalIPs: ['10.0.0.10'] },
          },
        })
        .then(
          () => undefined,
          (error: unknown) => (/bulkhead\.dev\/no-external-ips/.test(apiError(error).message) ? true : undefined),
        ),
    );
    const restored = await audit('policies-restored', { network });
    for (const tenant of [a, b]) {
      const found = check(restored, 'guardrails.admission-policies', tenant);
      assert.equal(found.result, 'pass', found.message);
    }
  });
});

/** Deletes Bulkhead's admission policies and bindings, as other specs' operators left them, and waits until none refuses. */
async function deleteAdmissionPolicies(admin: k8s.KubeConfig, namespace: string): Promise<void> {
  const api = admin.makeApiClient(k8s.AdmissionregistrationV1Api);
  for (const name of admissionPolicyNames) {
    await api.deleteValidatingAdmissionPolicyBinding({ name }).catch(() => undefined);
    await api.deleteValidatingAdmissionPolicy({ name }).catch(() => undefined);
  }
  // kube-apiserver stops enforcing each one a moment later, as its informers catch up: a dry run per policy.
  const core = admin.makeApiClient(k8s.CoreV1Api);
  const dryRuns = [
    () =>
      core.createNamespacedService({
        namespace,
        dryRun: 'All',
        body: { metadata: { name: 'probe' }, spec: { ports: [{ port: 80 }], externalIPs: ['10.0.0.10'] } },
      }),
    () =>
      core.createNamespacedPersistentVolumeClaim({
        namespace,
        dryRun: 'All',
        body: {
          metadata: { name: 'probe' },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'probe' },
        },
      }),
    () =>
      admin
        .makeApiClient(k8s.NetworkingV1Api)
        .createNamespacedIngress({ namespace, dryRun: 'All', body: ingress('probe', { defaultBackend: backend }) }),
    () =>
      admin.makeApiClient(k8s.DiscoveryV1Api).createNamespacedEndpointSlice({
        namespace,
        dryRun: 'All',
        body: { metadata: { name: 'probe' }, addressType: 'IPv4', endpoints: [{ addresses: ['10.244.0.99'] }] },
      }),
    () =>
      customObjects(admin).createNamespacedCustomObject({
        group: 'gateway.networking.k8s.io',
        version: 'v1',
        namespace,
        plural: 'httproutes',
        dryRun: 'All',
        body: httpRoute('probe'),
      }),
  ];
  for (const dryRun of dryRuns)
    await eventually('the policies to stop refusing', () =>
      dryRun().then(
        () => true,
        () => undefined,
      ),
    );
}
