/**
 * The audit's parts other than the fleet network analysis, in process, over N synthetic tenants:
 * the CPU seconds and the heap each part's pure analysis takes, so that a part growing faster than
 * the tenants shows as its seconds growing faster than N (docs/decisions/0060). The inputs are what
 * the audit reads from a fleet of N onboarded tenants, made with the operator's own builders (the
 * owners' and the operator's RoleBindings, the tenant-owner ClusterRole, NetworkPolicies, the
 * namespace with its annotations, the admission policies), plus the objects a sample app holds
 * (a Service, an Ingress under the tenant's domain, Endpoints and an EndpointSlice, a pod, a
 * Deployment, a ReplicaSet, a volume claim), a database catalog with one database and role per
 * tenant, the key facts KMS would report and a pool key with one grant per tenant. No cluster,
 * no server: the I/O of each part (its reads, logins and KMS calls) is linear per tenant and not
 * measured here.
 *
 *   PARTS_SIZES=100,300,1000 nice -n 19 node --expose-gc --import tsx bench/audit-parts-scale.ts
 *
 * Prints one line per part and size: CPU seconds (user + system), wall seconds, the longest the event
 * loop went without a turn while the part ran (what could hold up a Lease renewal in the operator),
 * and the heap its result holds after a collection (its working set is not sampled).
 */
import { performance } from 'node:perf_hooks';
import { databaseName, namespaceName, roleName } from '../operator/src/api/names.js';
import type { TenantPlan } from '../operator/src/api/tenant-plan.js';
import type { Tenant } from '../operator/src/api/tenant.js';
import type { PlatformAddresses } from '../operator/src/controllers/tenant/platform-addresses.js';
import { RbacIndex } from '../operator/src/audit/access/evaluator.js';
import * as findings from '../operator/src/audit/access/findings.js';
import type { FindingContext, TenantAccess } from '../operator/src/audit/access/findings.js';
import { platformConfigFor, resolvePlatform } from '../operator/src/audit/access/platform.js';
import type { BindingObject, RbacSnapshot, RoleObject } from '../operator/src/audit/access/rbac-types.js';
import type { ClusterReader } from '../operator/src/audit/cluster-reads.js';
import * as catalogChecks from '../operator/src/audit/data/database-catalog-checks.js';
import { judgeMatrix, type MatrixTenant } from '../operator/src/audit/data/database-matrix.js';
import { judgeOrphans } from '../operator/src/audit/data/database-orphans.js';
import * as keyChecks from '../operator/src/audit/data/key-checks.js';
import type { KeyFacts } from '../operator/src/audit/data/key-checks.js';
import { planLogins } from '../operator/src/audit/data/login-sample.js';
import type { DatabaseMatrixCell } from '../operator/src/audit/data/model.js';
import * as poolKeyChecks from '../operator/src/audit/data/pool-key-checks.js';
import * as pooledAudit from '../operator/src/audit/data/pooled-audit.js';
import { auditGuardrailExposure, auditNetworkExposure } from '../operator/src/audit/exposure/index.js';
import { buildReportYielding } from '../operator/src/audit/report/build.js';
import type { AuditCheck } from '../operator/src/audit/model.js';
import { defaultAssumptions } from '../operator/src/audit/network/index.js';
import { enforcementChecks, probedMatrix } from '../operator/src/audit/wire/judge.js';
import type { Attempt, Observation } from '../operator/src/audit/wire/model.js';
import { cellKey } from '../operator/src/audit/wire/predict.js';
import { ownershipComment } from '../operator/src/providers/database/ownership.js';
import type { IsolationCatalog } from '../operator/src/providers/database/isolation-catalog.js';
import { tenantEncryptionContext, tenantGrantName, type PoolGrant } from '../operator/src/providers/kms/pool/index.js';
import { buildAdmissionPolicies } from '../operator/src/resources/admission-policies.js';
import { buildNamespace } from '../operator/src/resources/namespace.js';
import { buildNetworkPolicies } from '../operator/src/resources/network-policies.js';
import { buildOperatorAccessBinding } from '../operator/src/resources/operator-access.js';
import { buildOwnerRoleBinding } from '../operator/src/resources/rbac.js';
import { buildTenantOwnerClusterRole } from '../operator/src/resources/tenant-owner-role.js';
import type { KubeObject } from '../operator/src/runtime/types.js';

const sizes = (process.env.PARTS_SIZES ?? '100,300,1000').split(',').map(Number);
/** The parts to run (names as printed, comma-separated prefixes); all by default. */
const only = process.env.PARTS_ONLY?.split(',');
/** The wire judge before decision 0060 was the namespaces to the fourth: it is run up to this size only. */
const wireMax = Number(process.env.PARTS_WIRE_MAX ?? '300');
const baseDomain = 'apps.example.com';
const clusterDomain = 'cluster.local';
const ownerRole = 'bulkhead-tenant-owner';
const operator = {
  clusterRole: 'bulkhead-operator-tenant',
  serviceAccount: 'bulkhead-operator',
  serviceAccountNamespace: 'bulkhead-system',
};
const addresses: PlatformAddresses = { databases: new Map(), kms: new Map(), excluded: [], unresolved: [] };
const config = {
  network: { clusterDomain, baseDomain, ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system' },
  admissionPolicies: { enabled: true },
} as never;

const nameOf = (i: number): string => `t${String(i).padStart(4, '0')}`;

function tenantsOf(n: number): Tenant[] {
  return Array.from({ length: n }, (_, i) => {
    const name = nameOf(i);
    return {
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name, uid: `uid-${name}`, creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString() },
      spec: { plan: 'standard', region: 'eu-central-1', owners: [{ kind: 'Group', name: `${name}-admins` }] },
      status: { namespace: `tenant-${name}` },
    } as unknown as Tenant;
  });
}

const plans = [{ metadata: { name: 'standard' }, spec: { network: { allowExternalNameServices: false } } } as unknown as TenantPlan];

/** A kube cluster's own RBAC, roughly: ClusterRoles and ClusterRoleBindings for system components. */
function systemRbac(): { clusterRoles: RoleObject[]; clusterRoleBindings: BindingObject[] } {
  const clusterRoles: RoleObject[] = Array.from({ length: 60 }, (_, i) => ({
    kind: 'ClusterRole',
    metadata: { name: `system:controller:c${i}` },
    rules: [{ verbs: ['get', 'list', 'watch'], apiGroups: [''], resources: ['pods', 'services', `r${i}`] }],
  }));
  clusterRoles.push({
    kind: 'ClusterRole',
    metadata: { name: 'cluster-admin' },
    rules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
  });
  const clusterRoleBindings: BindingObject[] = clusterRoles.map((role, i) => ({
    kind: 'ClusterRoleBinding',
    metadata: { name: role.metadata.name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: role.metadata.name },
    subjects: [i === 60 ? { kind: 'Group', name: 'system:masters' } : { kind: 'ServiceAccount', name: `c${i}`, namespace: 'kube-system' }],
  }));
  return { clusterRoles, clusterRoleBindings };
}

function rbacSnapshot(tenants: readonly Tenant[]): RbacSnapshot {
  const system = systemRbac();
  const roleBindings = tenants.flatMap((tenant) => {
    const identity = { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '' };
    const namespace = namespaceName(tenant);
    return [
      buildOwnerRoleBinding(identity, namespace, tenant.spec.owners, ownerRole),
      buildOperatorAccessBinding(identity, namespace, operator),
    ] as unknown as BindingObject[];
  });
  return {
    roles: [],
    clusterRoles: [...system.clusterRoles, buildTenantOwnerClusterRole(ownerRole) as unknown as RoleObject],
    roleBindings,
    clusterRoleBindings: system.clusterRoleBindings,
  };
}

async function access(tenants: readonly Tenant[]): Promise<AuditCheck[]> {
  const snapshot = rbacSnapshot(tenants);
  const index = new RbacIndex(snapshot);
  const platform = resolvePlatform(index, platformConfigFor('bulkhead-system'));
  const audited: TenantAccess[] = tenants.map((tenant) => ({
    name: tenant.metadata.name,
    namespace: namespaceName(tenant),
    owners: tenant.spec.owners.map(({ kind, name }) => ({ kind, name })),
  }));
  // As auditAccess judges them: in one context made for the run where the tree has it (decision 0063).
  const context =
    'findingContext' in findings
      ? (findings.findingContext as (...args: unknown[]) => FindingContext)(index, platform, audited)
      : ({ index, platform, tenants: audited } as unknown as FindingContext);
  const checks: AuditCheck[] = [];
  for (const tenant of audited) {
    checks.push(...findings.rbacChecks(context, tenant));
    // A turn of the event loop per tenant, as auditAccess takes.
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return checks;
}

const meta = (kind: string, namespace: string, name: string, extra: object = {}) => ({
  kind,
  metadata: { name, namespace, uid: `${namespace}-${kind}-${name}`, resourceVersion: '1', ...extra },
});

/** The objects a tenant namespace holds, by kind, as the cluster lists them. */
function namespaceObjects(tenants: readonly Tenant[]): Map<string, KubeObject[]> {
  const byKind = new Map<string, KubeObject[]>();
  const add = (kind: string, object: object) => byKind.set(kind, [...(byKind.get(kind) ?? []), object as KubeObject]);
  const controller = { managedFields: [{ manager: 'kube-controller-manager', operation: 'Update' }] };
  for (const tenant of tenants) {
    const namespace = namespaceName(tenant);
    const identity = { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '' };
    add(
      'Namespace',
      buildNamespace(identity, namespace, {
        podSecurityVersion: 'v1.30',
        domains: [`${identity.name}.${baseDomain}`],
        allowExternalNameServices: false,
      }),
    );
    add('Service', { ...meta('Service', namespace, 'app'), spec: { type: 'ClusterIP', ports: [{ port: 8080 }] } });
    add('Ingress', { ...meta('Ingress', namespace, 'app'), spec: { rules: [{ host: `www.${identity.name}.${baseDomain}` }] } });
    add('Endpoints', meta('Endpoints', namespace, 'app', controller));
    add(
      'EndpointSlice',
      meta('EndpointSlice', namespace, 'app-x1', {
        ...controller,
        labels: { 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' },
      }),
    );
    for (const policy of buildNetworkPolicies(
      identity,
      { namespace, egress: [], database: { address: '10.9.0.5', port: 5432 }, ingressPorts: [{ protocol: 'TCP', port: 8080 }] },
      { ingressNamespace: 'ingress-nginx', dnsNamespace: 'kube-system', dnsPodLabels: { 'k8s-app': 'kube-dns' } },
    ))
      add('NetworkPolicy', policy);
    add('Pod', meta('Pod', namespace, 'app-0'));
    add('Deployment', meta('Deployment', namespace, 'app'));
    add('ReplicaSet', meta('ReplicaSet', namespace, 'app-1'));
    add('ServiceAccount', meta('ServiceAccount', namespace, 'default'));
    add('PersistentVolumeClaim', {
      ...meta('PersistentVolumeClaim', namespace, 'data'),
      spec: { volumeName: `pvc-${namespace}-PersistentVolumeClaim-data` },
    });
    add('RoleBinding', buildOwnerRoleBinding(identity, namespace, tenant.spec.owners, ownerRole));
  }
  const admission = buildAdmissionPolicies({ clusterDomain, excludedCidrs: [], baseDomain });
  byKind.set(
    'ValidatingAdmissionPolicy',
    admission.filter((object) => object.kind === 'ValidatingAdmissionPolicy'),
  );
  byKind.set(
    'ValidatingAdmissionPolicyBinding',
    admission.filter((object) => object.kind === 'ValidatingAdmissionPolicyBinding'),
  );
  return byKind;
}

function readerOf(objects: Map<string, KubeObject[]>): ClusterReader {
  return {
    list: (_apiVersion: string, kind: string) => Promise.resolve(objects.get(kind) ?? []),
    serves: () => Promise.resolve(true),
  } as unknown as ClusterReader;
}

function catalogOf(tenants: readonly Tenant[]): IsolationCatalog {
  const roles = tenants.map((tenant) => ({
    name: roleName(tenant),
    comment: ownershipComment({ tenant: tenant.metadata.name, tenantUid: tenant.metadata.uid ?? '' }),
    superuser: false,
    createDatabase: false,
    createRole: false,
    replication: false,
    bypassRls: false,
    inherit: true,
    canLogin: true,
  }));
  const databases = tenants.map((tenant) => ({
    name: databaseName(tenant),
    owner: roleName(tenant),
    comment: ownershipComment({ tenant: tenant.metadata.name, tenantUid: tenant.metadata.uid ?? '' }),
    acl: [
      { grantee: roleName(tenant), privilege: 'CONNECT' },
      { grantee: 'postgres', privilege: 'CONNECT' },
    ],
  }));
  const admin = { ...roles[0], name: 'postgres', comment: null, superuser: true } as IsolationCatalog['roles'][number];
  return { databases, roles: [admin, ...roles], memberships: tenants.map((tenant) => ({ role: roleName(tenant), member: 'postgres' })) };
}

function databases(tenants: readonly Tenant[]): AuditCheck[] {
  const audited = tenants.map((tenant) => ({ name: tenant.metadata.name, uid: tenant.metadata.uid ?? '', region: 'eu-central-1' }));
  const catalog = catalogOf(tenants);
  // As auditServer judges them: from the catalog indexed once where the tree does (decision 0060).
  const indexed =
    'indexCatalog' in catalogChecks ? (catalogChecks.indexCatalog as (c: IsolationCatalog) => IsolationCatalog)(catalog) : catalog;
  const matrixTenants: MatrixTenant[] = audited.map((tenant) => ({ ...tenant, database: databaseName({ metadata: tenant }) }));
  const plan = planLogins(
    audited.map((tenant) => tenant.name),
    { rotatingPerTenant: 8, randomPerTenant: 8, intervalSeconds: 600 },
    new Date(0),
    'bench',
  );
  const cells: DatabaseMatrixCell[] = audited.flatMap((from, i) =>
    [i, ...(plan.targets[i] ?? [])].map((j) => ({
      credentials: from.name,
      database: audited[j]?.name ?? '',
      outcome: i === j ? ('allowed' as const) : ('refused' as const),
    })),
  );
  return [
    ...judgeMatrix(matrixTenants, cells, true),
    ...audited.flatMap((tenant) => catalogChecks.judgeTenantCatalog(tenant, indexed)),
    judgeOrphans('db:5432', audited, catalog),
  ];
}

function keys(tenants: readonly Tenant[]): AuditCheck[] {
  const everyone: KeyFacts[] = tenants.map((tenant) => ({
    tenant: { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '', region: 'eu-central-1', rotationRequested: true },
    alias: `alias/bulkhead/${tenant.metadata.name}`,
    statusKeyId: `key-${tenant.metadata.name}`,
    aliasTarget: `key-${tenant.metadata.name}`,
    configMapKeyId: `key-${tenant.metadata.name}`,
  }));
  // As auditKeys judges them: from the facts indexed once where the tree does (decision 0063).
  type Fleet = Parameters<typeof keyChecks.judgeExclusive>[1];
  const fleet: Fleet = 'indexKeyFacts' in keyChecks ? (keyChecks.indexKeyFacts as (e: KeyFacts[]) => Fleet)(everyone) : everyone;
  return everyone.map((facts) => keyChecks.judgeExclusive(facts, fleet));
}

function poolKey(tenants: readonly Tenant[]): AuditCheck[] {
  const pooled = tenants.map((tenant) => ({
    name: tenant.metadata.name,
    uid: tenant.metadata.uid ?? '',
    principal: `arn:aws:iam::111122223333:role/tenant-${tenant.metadata.name}`,
  }));
  const grants: PoolGrant[] = pooled.map((tenant) => ({
    grantId: `grant-${tenant.name}`,
    name: tenantGrantName(tenant.name, tenant.uid),
    granteePrincipal: tenant.principal,
    operations: ['Decrypt'],
    contextEquals: tenantEncryptionContext(tenant.name),
  }));
  // As auditPoolKey judges them: from the grants indexed once where the tree does (decision 0063).
  type Listed = Parameters<typeof poolKeyChecks.judgePoolGrants>[0]['grants'];
  const listed: Listed =
    'indexPoolGrants' in poolKeyChecks ? (poolKeyChecks.indexPoolGrants as (g: PoolGrant[]) => Listed)(grants) : grants;
  return pooled.map((tenant) => poolKeyChecks.judgePoolGrants({ tenant, region: 'eu-central-1', poolKeyId: 'pool', grants: listed }));
}

/** The pooled tenants' cross reads are every ordered pair (pooled-audit.ts): judged here, not tried. */
function pooledCrossReads(tenants: readonly Tenant[]): AuditCheck[] {
  const pooled = tenants.map((tenant) => ({
    name: tenant.metadata.name,
    spec: { roleName: roleName(tenant), schemaName: `s_${tenant.metadata.name}`, tenant: tenant.metadata.name, tenantUid: '' },
  }));
  const reads = pooled.flatMap((from) =>
    pooled.filter((to) => to !== from).map((to) => ({ from: from.name, to: to.name, probe: { outcome: 'refused' as const } })),
  );
  // As auditPool judges them: by target where the tree groups them (decision 0060), else given every read.
  const byTarget =
    'readsByTarget' in pooledAudit ? (pooledAudit.readsByTarget as (r: typeof reads) => Map<string, typeof reads>)(reads) : undefined;
  return pooled.map((tenant) => pooledAudit.judgeCrossReads(tenant, byTarget ? (byTarget.get(tenant.name) ?? []) : reads));
}

/** The probes on the wire of every tenant namespace to every other on one port, judged (no pod runs here). */
function wire(tenants: readonly Tenant[]): AuditCheck[] {
  const sites = tenants.map((tenant) => ({
    namespace: namespaceName(tenant),
    tenant: { name: tenant.metadata.name, uid: tenant.metadata.uid ?? '' },
    labels: {},
    portNames: {},
  }));
  const prediction = new Map<string, boolean>();
  const attempts: Attempt[] = sites.flatMap((from) =>
    sites.map((to) => {
      prediction.set(cellKey(from.namespace, to.namespace, 8080), from === to);
      return { from: from.namespace, to: to.namespace, port: 8080, verdict: from === to ? ('connected' as const) : ('refused' as const) };
    }),
  );
  const observation: Observation = {
    startedAt: '',
    finishedAt: '',
    plan: { runId: 'bench', sites, ports: [8080] },
    listeners: [],
    tryingAddresses: {},
    attempts,
  };
  const matrix = probedMatrix(observation, prediction);
  return matrix.cells.length > 0 ? enforcementChecks(observation, prediction) : [];
}

interface Measured {
  cpu: number;
  wall: number;
  stall: number;
  heap: number;
  checks: number;
}

/** The longest the event loop went without a turn while `run` ran (a 5 ms timer's lateness), in seconds. */
async function longestStall<T>(run: () => Promise<T>): Promise<{ result: T; stall: number }> {
  let last = performance.now();
  let stall = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    stall = Math.max(stall, now - last - 5);
    last = now;
  }, 5);
  try {
    const result = await run();
    stall = Math.max(stall, performance.now() - last - 5);
    return { result, stall: Math.max(0, stall) / 1000 };
  } finally {
    clearInterval(timer);
  }
}

async function measure(run: () => AuditCheck[] | Promise<AuditCheck[]>): Promise<Measured> {
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const cpuBefore = process.cpuUsage();
  const wallBefore = performance.now();
  const { result, stall } = await longestStall(async () => run());
  const cpu = process.cpuUsage(cpuBefore);
  const wall = (performance.now() - wallBefore) / 1000;
  global.gc?.();
  const heap = process.memoryUsage().heapUsed - heapBefore;
  return { cpu: (cpu.user + cpu.system) / 1e6, wall, stall, heap: heap / 1024 / 1024, checks: result.length };
}

async function main(): Promise<void> {
  if (!global.gc) console.error('(run with node --expose-gc for the heap held)');
  for (const n of sizes) {
    const tenants = tenantsOf(n);
    const objects = namespaceObjects(tenants);
    const reader = readerOf(objects);
    const request = { tenants, plans, config, addresses };
    const collected: AuditCheck[] = [];
    const parts: [string, () => AuditCheck[] | Promise<AuditCheck[]>][] = [
      ['access (RBAC analysis)', () => access(tenants)],
      ['network exposure', async () => (await auditNetworkExposure(reader, request)).checks],
      ['guardrail exposure', async () => (await auditGuardrailExposure(reader, request)).checks],
      ['databases (catalog, matrix, orphans)', () => databases(tenants)],
      ['keys (key.exclusive)', () => keys(tenants)],
      ['pool key grants', () => poolKey(tenants)],
      ['pooled cross reads (judged)', () => pooledCrossReads(tenants)],
      ...(n <= wireMax ? [['wire judge (matrix, checks)', () => wire(tenants)] as [string, () => AuditCheck[]]] : []),
    ];
    for (const [name, run] of parts) {
      if (only && !only.some((prefix) => name.startsWith(prefix))) continue;
      let checks: AuditCheck[] = [];
      const measured = await measure(async () => (checks = await run()));
      collected.push(...checks);
      print(n, name, measured);
    }
    if (only && !only.some((prefix) => 'report build'.startsWith(prefix))) continue;
    const report = await measure(async () => {
      const built = await buildReportYielding({
        generatedAt: new Date(0),
        cluster: { server: 'https://127.0.0.1:6443', kubeSystemUid: 'bench' },
        scope: { kind: 'all' },
        assumptions: defaultAssumptions,
        inputs: [],
        checks: collected,
        inventory: { tenants: tenants.map((t) => t.metadata.name), namespaces: null, databases: null, keyAliases: null },
        matrix: null,
        previous: null,
        toolVersion: 'bench',
      });
      return built.checks;
    });
    print(n, 'report build', report);
  }
}

function print(n: number, part: string, { cpu, wall, stall, heap, checks }: Measured): void {
  console.log(
    `N=${String(n).padStart(4)}  ${part.padEnd(38)} cpu ${cpu.toFixed(3).padStart(8)} s  wall ${wall.toFixed(3).padStart(8)} s  ` +
      `longest stall ${stall.toFixed(3).padStart(7)} s  heap held ${heap.toFixed(1).padStart(7)} MiB  checks ${checks}`,
  );
}

await main();
