// The code before decision 0060, kept verbatim (imports re-pointed) so the equivalence tests compare the indexed parts with it.
/**
 * The RBAC evaluator: from Roles, ClusterRoles and their bindings, who can make a request and
 * what a principal holds, in a namespace or cluster-wide. Pure: no I/O, so the same snapshot
 * always gives the same answer and unit tests write snapshots by hand.
 *
 * Scope follows the RBAC authorizer: in a namespace, the RoleBindings of that namespace and every
 * ClusterRoleBinding apply; at cluster scope and for non-resource URLs only ClusterRoleBindings
 * do. A RoleBinding may refer to a Role of its own namespace or to a ClusterRole; a
 * ClusterRoleBinding only to a ClusterRole. A binding to a role that does not exist grants nothing.
 */
import { effectiveClusterRoleRules, type SourcedRule } from '../../access/aggregation.js';
import type { BindingObject, Grant, ObjectName, Principal, RbacSnapshot, RequestAttributes } from '../../access/rbac-types.js';
import { ruleAllows } from '../../access/rules.js';
import { normalizeSubject, principalMatches } from '../../access/subjects.js';

export function nameOf(object: { kind: string; metadata: { name: string; namespace?: string } }): ObjectName {
  const { name, namespace } = object.metadata;
  return namespace ? { kind: object.kind, namespace, name } : { kind: object.kind, name };
}

/** The namespace a resource request is judged in: a request for Namespace N is judged in N. */
function requestNamespace(request: RequestAttributes): string | undefined {
  if ('nonResourceURL' in request) return undefined;
  if (request.apiGroup === '' && request.resource === 'namespaces' && request.name !== undefined) return request.name;
  return request.namespace;
}

export class RbacIndex {
  private readonly clusterRoleRules: Map<string, SourcedRule[]>;
  private readonly roleRules = new Map<string, SourcedRule[]>();

  constructor(readonly snapshot: RbacSnapshot) {
    this.clusterRoleRules = effectiveClusterRoleRules(snapshot.clusterRoles);
    for (const role of snapshot.roles) {
      this.roleRules.set(
        `${role.metadata.namespace ?? ''}/${role.metadata.name}`,
        (role.rules ?? []).map((rule) => ({ rule })),
      );
    }
  }

  /** The rules a binding grants (empty when its role does not exist). */
  rulesOf(binding: BindingObject): SourcedRule[] {
    const { kind, name } = binding.roleRef;
    if (kind === 'ClusterRole') return this.clusterRoleRules.get(name) ?? [];
    if (kind === 'Role' && binding.kind === 'RoleBinding') return this.roleRules.get(`${binding.metadata.namespace ?? ''}/${name}`) ?? [];
    return [];
  }

  /** The bindings in force in a namespace, or cluster-wide when namespace is undefined. */
  bindingsIn(namespace?: string): BindingObject[] {
    const local = namespace === undefined ? [] : this.snapshot.roleBindings.filter((binding) => binding.metadata.namespace === namespace);
    return [...local, ...this.snapshot.clusterRoleBindings];
  }

  /** Every (subject, binding, rule) that allows the request; empty when nobody but the unbound can. */
  whoCan(request: RequestAttributes): Grant[] {
    return this.bindingsIn(requestNamespace(request)).flatMap((binding) =>
      this.rulesOf(binding)
        .filter(({ rule }) => ruleAllows(rule, request))
        .flatMap((sourced) => this.grants(binding, sourced, () => true)),
    );
  }

  /** What a principal holds: in a namespace (its RoleBindings and the ClusterRoleBindings) or cluster-wide. */
  rulesFor(principal: Principal, namespace?: string): Grant[] {
    return this.bindingsIn(namespace).flatMap((binding) =>
      this.rulesOf(binding).flatMap((sourced) => this.grants(binding, sourced, (grant) => principalMatches(principal, grant.subject))),
    );
  }

  /** Only the RoleBindings of one namespace that reach a principal (not the cluster-wide ones). */
  localRulesFor(principal: Principal, namespace: string): Grant[] {
    return this.rulesFor(principal, namespace).filter((grant) => grant.binding.kind === 'RoleBinding');
  }

  private grants(binding: BindingObject, sourced: SourcedRule, keep: (grant: Grant) => boolean): Grant[] {
    const roleKind = binding.roleRef.kind;
    const role: ObjectName =
      roleKind === 'Role' && binding.metadata.namespace
        ? { kind: roleKind, namespace: binding.metadata.namespace, name: binding.roleRef.name }
        : { kind: roleKind, name: binding.roleRef.name };
    const names = sourced.rule.resourceNames ?? [];
    return (binding.subjects ?? []).flatMap((raw) => {
      const subject = normalizeSubject(raw);
      if (!subject) return [];
      const grant: Grant = {
        subject,
        binding: nameOf(binding),
        role,
        rule: sourced.rule,
        ...(sourced.aggregatedFrom ? { aggregatedFrom: sourced.aggregatedFrom } : {}),
        ...(names.length > 0 ? { limitedTo: names } : {}),
      };
      return keep(grant) ? [grant] : [];
    });
  }
}
