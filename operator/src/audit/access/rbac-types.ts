/**
 * The RBAC objects the Access audit reads, in the few fields authorization depends on, and what
 * the evaluator answers with: a grant names the subject, the binding, the role and the rule, so a
 * finding can say exactly which object to fix.
 */
import type { LabelSelector } from '../network/model.js';

export type { LabelSelector, LabelSelectorRequirement } from '../network/model.js';

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface RbacMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
}

export interface RoleObject {
  kind: 'Role' | 'ClusterRole';
  metadata: RbacMeta;
  /** May be null or absent, e.g. on an aggregated ClusterRole the controller has not filled in. */
  rules?: PolicyRule[] | null;
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] } | null;
}

export interface Subject {
  kind: string;
  name: string;
  namespace?: string;
  apiGroup?: string;
}

export interface BindingObject {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  metadata: RbacMeta;
  roleRef: { apiGroup?: string; kind: string; name: string };
  subjects?: Subject[] | null;
}

/** Everything RBAC decides from; the live audit lists it, unit tests write it by hand. */
export interface RbacSnapshot {
  roles: RoleObject[];
  clusterRoles: RoleObject[];
  roleBindings: BindingObject[];
  clusterRoleBindings: BindingObject[];
}

/**
 * A binding subject, normalized: a User named `system:serviceaccount:<ns>:<name>` is the same
 * identity as that ServiceAccount, so both are written as the ServiceAccount.
 */
export type NormalizedSubject =
  { kind: 'User'; name: string } | { kind: 'Group'; name: string } | { kind: 'ServiceAccount'; namespace: string; name: string };

/**
 * An identity to ask about. A Group principal is "any member of the group"; a ServiceAccount with
 * name `*` is every ServiceAccount of the namespace (what anyone who can create pods there can run as).
 */
export type Principal =
  | { kind: 'User'; name: string; groups?: string[] }
  | { kind: 'Group'; name: string }
  | { kind: 'ServiceAccount'; namespace: string; name: string };

/** What a request is, as the RBAC authorizer sees it (k8s.io/apiserver authorizer.Attributes). */
export type RequestAttributes =
  | {
      verb: string;
      apiGroup: string;
      resource: string;
      subresource?: string;
      /** Absent for cluster-scoped requests. */
      namespace?: string;
      /** Absent means "some object": rules limited by resourceNames then count (see rules.ts). */
      name?: string;
    }
  | { verb: string; nonResourceURL: string };

export interface ObjectName {
  kind: string;
  name: string;
  namespace?: string;
}

/** One rule reaching one subject through one binding. */
export interface Grant {
  subject: NormalizedSubject;
  binding: ObjectName;
  role: ObjectName;
  rule: PolicyRule;
  /** The ClusterRoles an aggregated role took this rule from (absent when the role holds it itself). */
  aggregatedFrom?: string[];
  /** Set when the rule is limited by resourceNames: it reaches only these objects. */
  limitedTo?: string[];
}
