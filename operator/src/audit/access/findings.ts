/**
 * The RBAC findings for one tenant, judged from a snapshot (no I/O):
 *  - anyone but the tenant's owners, its own ServiceAccounts and platform subjects who can read
 *    its Secrets or change its workloads;
 *  - owners (and the tenant's ServiceAccounts, which owners can run pods as) holding any
 *    cluster-wide right beyond the authenticated baseline, or any right in another tenant;
 *  - anyone but platform subjects who can escalate, bind or impersonate in the tenant namespace.
 */
import { createHash } from 'node:crypto';
import { passed, failed, type AuditCheck, type JsonValue } from '../model.js';
import type { RbacIndex } from './evaluator.js';
import { grantEvidence, grantsSentence, subjectKeys } from './evidence.js';
import { authenticatedBaseline, type ResolvedPlatform } from './platform.js';
import { escalationRequests, secretReadRequests, whoCanAny, workloadChangeRequests, type AnsweredGrant } from './questions.js';
import type { Grant, NormalizedSubject, Principal } from './rbac-types.js';
import { ruleCovers } from './rules.js';
import { sameSubject, serviceAccountsGroup } from './subjects.js';

export interface TenantAccess {
  name: string;
  namespace: string;
  /** spec.owners, as RBAC subjects (User or Group). */
  owners: NormalizedSubject[];
  /** spec.suspended: the owners hold the read-only role. */
  suspended?: boolean;
}

export interface FindingContext {
  index: RbacIndex;
  platform: ResolvedPlatform;
  /** Every tenant, for rights in another tenant's namespace. */
  tenants: readonly TenantAccess[];
  /** The digest of every tenant's namespace but one, made from `tenants` (findingContext). */
  otherNamespaces: OtherNamespaceDigests;
}

/**
 * The context every tenant of one run is judged in, its digests made once from the fleet given:
 * a caller that judges another fleet (or the same array changed) makes another context.
 */
export function findingContext(index: RbacIndex, platform: ResolvedPlatform, tenants: readonly TenantAccess[]): FindingContext {
  const fleet = [...tenants];
  return { index, platform, tenants: fleet, otherNamespaces: new OtherNamespaceDigests(fleet) };
}

type SubjectClass = 'owner' | 'tenantServiceAccount' | 'platform' | 'foreign';

export function classify(subject: NormalizedSubject, tenant: TenantAccess, platform: ResolvedPlatform): SubjectClass {
  if (tenant.owners.some((owner) => sameSubject(owner, subject))) return 'owner';
  const ownAccounts =
    (subject.kind === 'ServiceAccount' && subject.namespace === tenant.namespace) ||
    (subject.kind === 'Group' && subject.name === `${serviceAccountsGroup}:${tenant.namespace}`);
  if (ownAccounts) return 'tenantServiceAccount';
  return platform.isPlatform(subject) ? 'platform' : 'foreign';
}

/** The identities a tenant's owners act as: themselves, and every ServiceAccount of the namespace. */
export function ownerPrincipals(tenant: TenantAccess): Principal[] {
  const owners: Principal[] = tenant.owners.map((owner) =>
    owner.kind === 'ServiceAccount' ? owner : { kind: owner.kind, name: owner.name },
  );
  return [...owners, { kind: 'ServiceAccount', namespace: tenant.namespace, name: '*' }];
}

function allowedBy(grants: AnsweredGrant[], tenant: TenantAccess, platform: ResolvedPlatform): JsonValue {
  const of = (kind: SubjectClass) =>
    subjectKeys(grants.filter((grant) => classify(grant.subject, tenant, platform) === kind).map((grant) => grant.subject));
  return { owners: of('owner'), tenantServiceAccounts: of('tenantServiceAccount'), platform: of('platform') };
}

interface ForeignQuestion {
  id: string;
  what: string;
  reason: string;
  grants: AnsweredGrant[];
}

function foreignCheck(
  question: ForeignQuestion,
  tenant: TenantAccess,
  platform: ResolvedPlatform,
  keep: (kind: SubjectClass) => boolean,
): AuditCheck {
  const findings = question.grants.filter((grant) => keep(classify(grant.subject, tenant, platform)));
  const fields = {
    id: question.id,
    category: 'access' as const,
    tenant: tenant.name,
    title: `Only the owners, the tenant's ServiceAccounts and platform subjects can ${question.what} in ${tenant.namespace}`,
    evidence: { namespace: tenant.namespace, findings: findings.map(grantEvidence), allowed: allowedBy(question.grants, tenant, platform) },
  };
  if (findings.length === 0) return passed({ ...fields, message: `Nobody else can ${question.what} in ${tenant.namespace}.` });
  return failed({
    ...fields,
    reason: question.reason,
    message: `${subjectKeys(findings.map((g) => g.subject)).join(', ')} can ${question.what} in ${tenant.namespace}: ${grantsSentence(findings)}.`,
  });
}

export function secretReadersCheck(context: FindingContext, tenant: TenantAccess): AuditCheck {
  const grants = whoCanAny(context.index, secretReadRequests(tenant.namespace));
  return foreignCheck(
    { id: 'access.secret-readers', what: 'read Secrets', reason: 'ForeignSubjectCanReadSecrets', grants },
    tenant,
    context.platform,
    (kind) => kind === 'foreign',
  );
}

export function workloadWritersCheck(context: FindingContext, tenant: TenantAccess): AuditCheck {
  const grants = whoCanAny(context.index, workloadChangeRequests(tenant.namespace));
  return foreignCheck(
    { id: 'access.workload-writers', what: 'change workloads', reason: 'ForeignSubjectCanChangeWorkloads', grants },
    tenant,
    context.platform,
    (kind) => kind === 'foreign',
  );
}

/** Owners are not exempt here: the owner role holds none of these verbs on purpose. */
export function escalationCheck(context: FindingContext, tenant: TenantAccess): AuditCheck {
  const grants = whoCanAny(context.index, escalationRequests(tenant.namespace));
  const check = foreignCheck(
    { id: 'access.escalation', what: 'escalate, bind or impersonate', reason: 'EscalationPossible', grants },
    tenant,
    context.platform,
    (kind) => kind !== 'platform',
  );
  return { ...check, title: `Only platform subjects can escalate, bind or impersonate in ${tenant.namespace}` };
}

function dedupe(grants: Grant[]): Grant[] {
  const seen = new Map(
    grants.map((grant) => [JSON.stringify([grant.subject, grant.binding, grant.rule, grant.aggregatedFrom ?? []]), grant]),
  );
  return [...seen.values()];
}

const baselineRules = authenticatedBaseline.flatMap((entry) => entry.rules);

export function ownerClusterRightsCheck(context: FindingContext, tenant: TenantAccess): AuditCheck {
  const grants = dedupe(ownerPrincipals(tenant).flatMap((principal) => context.index.rulesFor(principal)));
  const beyond = grants.filter((grant) => !baselineRules.some((base) => ruleCovers(base, grant.rule)));
  const fields = {
    id: 'access.owner-cluster-rights',
    category: 'access' as const,
    tenant: tenant.name,
    title: `The owners of ${tenant.name} and its ServiceAccounts hold no cluster-wide right beyond what every authenticated user has`,
    evidence: {
      owners: subjectKeys(tenant.owners),
      findings: beyond.map(grantEvidence),
      baseline: authenticatedBaseline.map(({ role, rules }) => ({ role, rules: rules.map((rule) => ({ ...rule })) })),
    },
  };
  if (beyond.length === 0)
    return passed({ ...fields, message: `No cluster-wide right beyond the baseline reaches the owners of ${tenant.name}.` });
  return failed({
    ...fields,
    reason: 'OwnerHasClusterRights',
    message: `The owners of ${tenant.name} hold cluster-wide rights: ${grantsSentence(beyond)}.`,
  });
}

/**
 * The other tenant namespaces a check looked into, as a count and a digest instead of a list: the
 * list was every other namespace for every tenant, n² names in the report (20 MB at a thousand
 * tenants). The digest is SHA-256 over the names sorted, each followed by a newline, so an
 * auditor recomputes it from the matrix's namespaces (docs/decisions/0056).
 */
export function namespacesDigest(namespaces: readonly string[]): { count: number; sha256: string } {
  const hash = createHash('sha256');
  for (const namespace of [...namespaces].sort()) hash.update(`${namespace}\n`);
  return { count: namespaces.length, sha256: hash.digest('hex') };
}

/**
 * namespacesDigest of every namespace but one tenant's, for each tenant of a fleet, from one sorted
 * text of all of them: sorting and hashing the other names line by line for each tenant was
 * n² log n at a thousand tenants (docs/decisions/0060). The bytes hashed are the same: the sorted
 * lines with the tenant's own left out.
 */
export class OtherNamespaceDigests {
  private readonly text: string;
  /** By tenant name, where its lines are in the text ([start, end), in order). */
  private readonly spans = new Map<string, [number, number][]>();
  private readonly total: number;

  constructor(tenants: readonly TenantAccess[]) {
    const sorted = [...tenants].sort((a, b) => (a.namespace < b.namespace ? -1 : a.namespace > b.namespace ? 1 : 0));
    let offset = 0;
    for (const { name, namespace } of sorted) {
      const spans = this.spans.get(name) ?? [];
      if (spans.length === 0) this.spans.set(name, spans);
      spans.push([offset, offset + namespace.length + 1]);
      offset += namespace.length + 1;
    }
    this.text = sorted.map(({ namespace }) => `${namespace}\n`).join('');
    this.total = tenants.length;
  }

  without(name: string): { count: number; sha256: string } {
    const spans = this.spans.get(name) ?? [];
    const hash = createHash('sha256');
    let at = 0;
    for (const [start, end] of spans) {
      hash.update(this.text.slice(at, start));
      at = end;
    }
    hash.update(this.text.slice(at));
    return { count: this.total - spans.length, sha256: hash.digest('hex') };
  }
}

export function ownerOtherTenantsCheck(context: FindingContext, tenant: TenantAccess): AuditCheck {
  const others = context.tenants.filter((other) => other.name !== tenant.name);
  const principals = ownerPrincipals(tenant);
  // Only namespaces where some RoleBinding may name the owners: elsewhere none reaches them.
  const reachable = context.index.namespacesBindingAny(principals);
  const grants = dedupe(
    others
      .filter((other) => reachable.has(other.namespace))
      .flatMap((other) => principals.flatMap((principal) => context.index.localRulesFor(principal, other.namespace))),
  );
  const fields = {
    id: 'access.owner-other-tenants',
    category: 'access' as const,
    tenant: tenant.name,
    title: `The owners of ${tenant.name} and its ServiceAccounts hold no right in another tenant's namespace`,
    evidence: {
      owners: subjectKeys(tenant.owners),
      otherNamespaces: context.otherNamespaces.without(tenant.name),
      findings: grants.map(grantEvidence),
    },
  };
  if (grants.length === 0)
    return passed({
      ...fields,
      message: `No RoleBinding in the ${others.length} other tenant namespaces reaches the owners of ${tenant.name}.`,
    });
  return failed({
    ...fields,
    reason: 'OwnerHasRightsInOtherTenant',
    message: `The owners of ${tenant.name} hold rights in another tenant: ${grantsSentence(grants)}.`,
  });
}

/** Every RBAC check for one tenant. */
export function rbacChecks(context: FindingContext, tenant: TenantAccess): AuditCheck[] {
  return [secretReadersCheck, workloadWritersCheck, escalationCheck, ownerClusterRightsCheck, ownerOtherTenantsCheck].map((check) =>
    check(context, tenant),
  );
}
