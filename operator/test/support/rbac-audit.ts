/**
 * Reading kube-apiserver's audit log against the chart's RBAC: which rule atoms (one verb on one
 * resource in one API group, for one ServiceAccount, maybe one object name or namespace) the
 * requests needed, and which requests were refused. An atom is "needed" when some allowed request
 * matched it and no other atom, so that removing it would have failed that request.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

export interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs: string[];
  resourceNames?: string[];
}

export interface RuleAtom {
  /** system:serviceaccount:<namespace>:<name> */
  user: string;
  /** "ClusterRole bulkhead-operator" or "Role bulkhead-system/bulkhead-api-tokens". */
  role: string;
  /**
   * Set when the role is bound by a RoleBinding: the atom grants only in that namespace; a trailing
   * `*` (`tenant-*`) stands for the namespaces the operator binds the role in itself.
   */
  namespace?: string;
  apiGroup: string;
  resource: string;
  verb: string;
  resourceName?: string;
}

export interface AuditRequest {
  auditID: string;
  user: string;
  verb: string;
  apiGroup: string;
  /** resource or resource/subresource, as RBAC names it; undefined for non-resource URLs. */
  resource?: string;
  namespace?: string;
  name?: string;
  code: number;
  uri: string;
  userAgent: string;
  /** When kube-apiserver received it, ms since the epoch. */
  at: number;
}

interface ObjectMeta {
  name: string;
  namespace?: string;
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
interface RbacObject {
  kind: string;
  metadata: ObjectMeta;
  rules?: PolicyRule[];
  roleRef?: { kind: string; name: string };
  subjects?: Subject[];
}

/** Verbs the RBAC storage and the impersonation filter check themselves: they never appear as a request's verb. */
export const indirectVerbs = new Set(['bind', 'escalate', 'impersonate']);

export const atomName = (a: RuleAtom): string =>
  `${a.user.split(':').pop() ?? a.user}: ${a.verb} ${a.apiGroup || 'core'}/${a.resource}${a.resourceName ? `/${a.resourceName}` : ''}` +
  `${a.namespace ? ` in ${a.namespace}` : ''} (${a.role})`;

/**
 * Requests sent on purpose as the operator's identity to show it is refused (operator-confinement
 * .spec.ts): they carry this User-Agent and prove nothing about which rules the operator needs.
 */
export const confinementProbeAgent = 'bulkhead-confinement-probe';

const rbacObjects = (renderedYaml: string): RbacObject[] =>
  parseAllDocuments(renderedYaml)
    .map((d) => d.toJS() as RbacObject | null)
    .filter((o): o is RbacObject => !!o);

/**
 * The atoms of a ClusterRole the chart installs but does not bind: the operator binds it to
 * itself in each tenant namespace (namespace `tenant-*`).
 */
export function tenantNamespaceAtoms(renderedYaml: string, clusterRole: string, user: string): RuleAtom[] {
  const role = rbacObjects(renderedYaml).find((o) => o.kind === 'ClusterRole' && o.metadata.name === clusterRole);
  return expand(role?.rules ?? []).map((atom) => ({ ...atom, user, role: `ClusterRole ${clusterRole}`, namespace: 'tenant-*' }));
}

/** Every rule atom the rendered chart grants to ServiceAccounts, through its bindings. */
export function atomsOf(renderedYaml: string): RuleAtom[] {
  const objects = rbacObjects(renderedYaml);
  const roles = new Map(
    objects
      .filter((o) => o.kind === 'ClusterRole' || o.kind === 'Role')
      .map((o) => [`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]),
  );
  const atoms: RuleAtom[] = [];
  for (const binding of objects.filter((o) => o.kind === 'ClusterRoleBinding' || o.kind === 'RoleBinding')) {
    const ref = binding.roleRef;
    const roleNamespace = ref?.kind === 'Role' ? (binding.metadata.namespace ?? '') : '';
    const role = roles.get(`${ref?.kind}/${roleNamespace}/${ref?.name}`);
    if (!role) continue;
    const label = `${role.kind} ${role.metadata.namespace ? `${role.metadata.namespace}/` : ''}${role.metadata.name}`;
    for (const subject of (binding.subjects ?? []).filter((s) => s.kind === 'ServiceAccount')) {
      const user = `system:serviceaccount:${subject.namespace}:${subject.name}`;
      const namespace = binding.kind === 'RoleBinding' ? binding.metadata.namespace : undefined;
      atoms.push(...expand(role.rules ?? []).map((atom) => ({ ...atom, user, role: label, ...(namespace ? { namespace } : {}) })));
    }
  }
  return atoms;
}

function expand(rules: PolicyRule[]): Omit<RuleAtom, 'user' | 'role'>[] {
  return rules.flatMap((rule) =>
    (rule.apiGroups ?? []).flatMap((apiGroup) =>
      (rule.resources ?? []).flatMap((resource) =>
        rule.verbs.flatMap((verb) =>
          (rule.resourceNames?.length ? rule.resourceNames : [undefined]).map((resourceName) => ({
            apiGroup,
            resource,
            verb,
            ...(resourceName ? { resourceName } : {}),
          })),
        ),
      ),
    ),
  );
}

/** The completed requests in an audit log (JSON lines), one per auditID. */
export function readAuditLog(path: string): AuditRequest[] {
  const requests = new Map<string, AuditRequest>();
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const event = JSON.parse(line) as {
      auditID: string;
      stage: string;
      verb: string;
      requestURI: string;
      user: { username: string };
      userAgent?: string;
      requestReceivedTimestamp?: string;
      objectRef?: { apiGroup?: string; resource?: string; subresource?: string; namespace?: string; name?: string };
      responseStatus?: { code?: number };
    };
    const ref = event.objectRef;
    requests.set(event.auditID, {
      auditID: event.auditID,
      user: event.user.username,
      verb: event.verb,
      uri: event.requestURI,
      userAgent: event.userAgent ?? '',
      at: Date.parse(event.requestReceivedTimestamp ?? '') || 0,
      apiGroup: ref?.apiGroup ?? '',
      namespace: ref?.namespace,
      name: ref?.name,
      resource: ref?.resource ? `${ref.resource}${ref.subresource ? `/${ref.subresource}` : ''}` : undefined,
      // A watch's first event (ResponseStarted) already carries the answer.
      code: event.responseStatus?.code ?? requests.get(event.auditID)?.code ?? 0,
    });
  }
  return [...requests.values()];
}

/** Refused by authorization (401/403) or by API priority and fairness before it (429): no evidence either way. */
export const wasAuthorized = (request: AuditRequest): boolean => ![0, 401, 403, 429].includes(request.code);

/**
 * The verbs a request was authorized for: its own, plus "create" for a server-side apply that
 * created the object (kube-apiserver checks both).
 */
export function authorizedVerbs(request: AuditRequest): string[] {
  return request.verb === 'patch' && request.code === 201 ? ['patch', 'create'] : [request.verb];
}

function inNamespace(atom: RuleAtom, namespace: string | undefined): boolean {
  if (atom.namespace === undefined) return true;
  return atom.namespace.endsWith('*') ? (namespace ?? '').startsWith(atom.namespace.slice(0, -1)) : atom.namespace === namespace;
}

function matches(atom: RuleAtom, request: AuditRequest, verb: string): boolean {
  return (
    atom.user === request.user &&
    atom.verb === verb &&
    atom.resource === request.resource &&
    atom.apiGroup === request.apiGroup &&
    inNamespace(atom, request.namespace) &&
    (atom.resourceName === undefined || atom.resourceName === request.name)
  );
}

/** For each atom, how many allowed requests only it could have authorized. */
export function neededBy(atoms: RuleAtom[], requests: AuditRequest[]): Map<RuleAtom, number> {
  const needed = new Map(atoms.map((atom) => [atom, 0]));
  for (const request of requests.filter((r) => r.resource !== undefined && wasAuthorized(r))) {
    for (const verb of authorizedVerbs(request)) {
      const matching = atoms.filter((atom) => matches(atom, request, verb));
      const only = matching.length === 1 ? matching[0] : undefined;
      if (only) needed.set(only, (needed.get(only) ?? 0) + 1);
    }
  }
  return needed;
}

/** A published report's numbered parts (`<report>-part-<n>`, decision 0024). */
const reportPart = /-part-\d+$/;

/**
 * Per atom name, how many requests only it authorized; a report's numbered parts are one atom per
 * identity, role and verb, whatever the report's name (`<report>-part-1..N`). The chart grants the
 * parts by one template rule beside the report's name (bulkhead.auditReportConfigMaps), and how
 * many parts a run writes depends on how large its reports are, not on the chart: a report of
 * three parts leaves parts 4..16 unwritten, and a spec that configures another report name (each
 * name its own atoms) need not also publish a report in parts. The report's own name stays an atom
 * of its own, so a report that no spec reads or writes is still caught.
 */
export function neededByName(needed: Map<RuleAtom, number>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const [atom, count] of needed) {
    const parts = atom.resource === 'configmaps' && reportPart.test(atom.resourceName ?? '');
    const name = atomName(parts ? { ...atom, resourceName: '<report>-part-1..N' } : atom);
    counts.set(name, (counts.get(name) ?? 0) + count);
  }
  return counts;
}
