/**
 * Pooled tenants in the guardrails part (docs/decisions/0043, 0050): for each, a statement of what
 * it shares with other tenants, said plainly (a pass: sharing is what its plan sells, and an
 * auditor must still read it); and for each region's pool namespace, its Pod Security labels (the
 * tenant namespace's check) and whether its NetworkPolicies hold: a default-deny in both
 * directions, and no rule admitting a namespace other than itself, the ingress controller's and
 * the cluster DNS's, nor an address range wider than one host (the database server, KMS).
 */
import { poolDatabaseName } from '../../providers/database/pooled/index.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { poolNamespaceName, poolReleaseName } from '../../resources/pool.js';
import type { KubeObject } from '../../runtime/types.js';
import { failed, passed, type AuditCheck, type JsonValue } from '../model.js';
import { judgePodSecurity, type NamespaceFacts } from './namespace-checks.js';

type Isolation = TenantPlan['spec']['isolation'];

const isPooled = (isolation: Isolation | undefined): isolation is Isolation =>
  isolation !== undefined && (isolation.database === 'Shared' || isolation.release === 'Shared');

/** What the tenant shares, by its plan's isolation. */
function sharedParts(tenant: Tenant, plan: TenantPlan): string[] {
  const { isolation } = plan.spec;
  const region = tenant.spec.region;
  const shared = [
    `the database server of region ${region} and its pool database ${poolDatabaseName} (in a schema and with a role of its own)`,
  ];
  if (isolation.release === 'Shared') {
    const release = poolReleaseName(plan.spec.app.chart, tenant.spec.app?.version ?? plan.spec.app.version);
    shared.push(
      `the shared release ${release} in namespace ${poolNamespaceName(region)}: its pods and their memory, the nodes and pod network they run on, and an app that holds every member's database credentials`,
    );
  }
  if (isolation.key === 'Shared') shared.push(`the region's pool KMS key (its data key is bound to its own encryption context)`);
  return shared;
}

function ownParts(isolation: Isolation): string[] {
  return [
    'its namespace and owners',
    ...(isolation.release === 'Shared' ? [] : ['its release']),
    ...(isolation.key === 'Shared' ? [] : ['its KMS key']),
  ];
}

/** What a pooled tenant shares, or undefined for a silo tenant (nothing shared beyond the cluster itself). */
export function judgePooledSharing(tenant: Tenant, plan: TenantPlan | undefined): AuditCheck | undefined {
  const isolation = plan?.spec.isolation;
  if (!plan || !isPooled(isolation)) return undefined;
  const name = tenant.metadata.name;
  return passed({
    id: 'guardrails.pooled-sharing',
    category: 'guardrails',
    tenant: name,
    title: `What pooled tenant ${name} shares with other tenants (plan ${plan.metadata.name})`,
    message: `tenant ${name} shares ${sharedParts(tenant, plan).join('; ')}. Its own: ${ownParts(isolation).join(', ')}`,
    evidence: { plan: plan.metadata.name, isolation: { database: isolation.database, key: isolation.key, release: isolation.release } },
  });
}

/** The pool namespace's Pod Security, judged as a tenant namespace's is. */
export function judgePoolPodSecurity(facts: Omit<NamespaceFacts, 'tenant'>): AuditCheck {
  const { tenant: _tenant, ...check } = judgePodSecurity({ ...facts, tenant: '' });
  return { ...check, id: 'guardrails.pool-pod-security' };
}

interface Peer {
  namespaceSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  podSelector?: unknown;
  ipBlock?: { cidr: string; except?: string[] };
}

interface PolicySpec {
  podSelector?: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  policyTypes?: string[];
  ingress?: { from?: Peer[] }[];
  egress?: { to?: Peer[] }[];
}

const namespaceNameLabel = 'kubernetes.io/metadata.name';

/** What one peer of a rule admits that the pool may not. */
function peerProblem(peer: Peer, allowed: Set<string>): string | undefined {
  if (peer.ipBlock) {
    const bits = Number(peer.ipBlock.cidr.split('/')[1]);
    return bits === 32 || bits === 128 ? undefined : `an address range ${peer.ipBlock.cidr} wider than one host`;
  }
  if (!peer.namespaceSelector) return undefined; // a podSelector alone: the policy's own namespace
  const named = peer.namespaceSelector.matchLabels?.[namespaceNameLabel];
  if (named === undefined || (peer.namespaceSelector.matchExpressions ?? []).length > 0)
    return 'namespaces chosen by a selector other than their name';
  return allowed.has(named) ? undefined : `namespace ${named}`;
}

function selectsEveryPod(spec: PolicySpec): boolean {
  const selector = spec.podSelector ?? {};
  return Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
}

function isDefaultDeny(spec: PolicySpec): boolean {
  const types = new Set(spec.policyTypes ?? []);
  const allowsNothing = (spec.ingress ?? []).length === 0 && (spec.egress ?? []).length === 0;
  return selectsEveryPod(spec) && types.has('Ingress') && types.has('Egress') && allowsNothing;
}

/** Whether the pool namespace's NetworkPolicies keep it apart from the tenants' namespaces (and them from it). */
export function judgePoolNetwork(
  namespace: string,
  policies: readonly KubeObject[],
  platform: { ingressNamespace: string; dnsNamespace: string },
): AuditCheck {
  const base = {
    id: 'guardrails.pool-network',
    category: 'guardrails' as const,
    title: `The NetworkPolicies of pool namespace ${namespace} deny all traffic but its own, the ingress controller's, DNS and its servers'`,
    evidence: { policies: policies.map((p) => ({ name: p.metadata.name, spec: (p as { spec?: JsonValue }).spec ?? null })) } as JsonValue,
  };
  const specs = policies.map((p) => ({ name: p.metadata.name, spec: (p as { spec?: PolicySpec }).spec ?? {} }));
  if (!specs.some(({ spec }) => isDefaultDeny(spec))) {
    return failed({
      ...base,
      reason: 'DefaultDenyMissing',
      message: `no policy in ${namespace} denies all ingress and egress of every pod`,
    });
  }
  const allowed = new Set([namespace, platform.ingressNamespace, platform.dnsNamespace]);
  const problems = specs.flatMap(({ name, spec }) => {
    const rules = [...(spec.ingress ?? []).map((rule) => rule.from), ...(spec.egress ?? []).map((rule) => rule.to)];
    // A rule without peers admits every source (or destination), inside the cluster and out.
    const open = rules.some((peers) => peers === undefined || peers.length === 0)
      ? [`${name} admits every namespace and address (a rule with no peers)`]
      : [];
    const peers = rules
      .flatMap((list) => list ?? [])
      .flatMap((peer) => {
        const problem = peerProblem(peer, allowed);
        return problem === undefined ? [] : [`${name} admits ${problem}`];
      });
    return [...open, ...peers];
  });
  if (problems.length > 0) return failed({ ...base, reason: 'PoolNamespaceOpened', message: `${namespace}: ${problems.join('; ')}` });
  return passed({
    ...base,
    message: `${namespace} has a default-deny and admits only itself, ${platform.ingressNamespace}, ${platform.dnsNamespace} and single hosts`,
  });
}
