/**
 * ClusterRole aggregation computed from labels, not read from the stored rules: the
 * clusterrole-aggregation controller may not have run (or may be stopped on purpose), and a role
 * whose stored rules are empty can be filled with anything its selectors pick at any moment.
 *
 * A role's effective rules are its stored rules (what is enforced now) together with the rules of
 * every ClusterRole its aggregationRule selects (what the controller will enforce), followed
 * through nested aggregations; a cycle ends where it would repeat a role.
 */
import { selectorMatches } from '../network/selectors.js';
import type { PolicyRule, RoleObject } from './rbac-types.js';

export interface SourcedRule {
  rule: PolicyRule;
  /** The chain of ClusterRoles the rule came through, nearest first; absent for the role's own rules. */
  aggregatedFrom?: string[];
}

function selects(aggregating: RoleObject, candidate: RoleObject): boolean {
  const labels = candidate.metadata.labels ?? {};
  // An empty selector selects every ClusterRole (metav1.LabelSelectorAsSelector), as the controller does.
  return (aggregating.aggregationRule?.clusterRoleSelectors ?? []).some((selector) => selectorMatches(selector, labels));
}

/** Effective rules of every ClusterRole, by name. */
export function effectiveClusterRoleRules(clusterRoles: RoleObject[]): Map<string, SourcedRule[]> {
  const byName = new Map(clusterRoles.map((role) => [role.metadata.name, role]));
  const result = new Map<string, SourcedRule[]>();
  const resolve = (role: RoleObject, visiting: Set<string>): SourcedRule[] => {
    const own: SourcedRule[] = (role.rules ?? []).map((rule) => ({ rule }));
    if (!role.aggregationRule) return own;
    const inherited = [...byName.values()]
      .filter((candidate) => !visiting.has(candidate.metadata.name) && selects(role, candidate))
      .flatMap((candidate) =>
        resolve(candidate, new Set([...visiting, candidate.metadata.name])).map(({ rule, aggregatedFrom }) => ({
          rule,
          aggregatedFrom: [candidate.metadata.name, ...(aggregatedFrom ?? [])],
        })),
      );
    return [...own, ...inherited];
  };
  for (const role of clusterRoles) result.set(role.metadata.name, resolve(role, new Set([role.metadata.name])));
  return result;
}
