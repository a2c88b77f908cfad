/**
 * Who a binding subject is, and which bindings reach a principal. Kubernetes adds groups of its
 * own: every authenticated identity is in system:authenticated, and a ServiceAccount is also in
 * system:serviceaccounts and system:serviceaccounts:<namespace> and is the user
 * system:serviceaccount:<namespace>:<name>.
 */
import type { NormalizedSubject, Principal, Subject } from './rbac-types.js';

export const authenticatedGroup = 'system:authenticated';
export const unauthenticatedGroup = 'system:unauthenticated';
export const anonymousUser = 'system:anonymous';
export const serviceAccountsGroup = 'system:serviceaccounts';
const serviceAccountUser = /^system:serviceaccount:([^:]+):([^:]+)$/;

/** A subject in one spelling; undefined for kinds RBAC does not know (they grant nothing). */
export function normalizeSubject(subject: Subject): NormalizedSubject | undefined {
  if (subject.kind === 'ServiceAccount') return { kind: 'ServiceAccount', namespace: subject.namespace ?? '', name: subject.name };
  if (subject.kind === 'Group') return { kind: 'Group', name: subject.name };
  if (subject.kind !== 'User') return undefined;
  const account = serviceAccountUser.exec(subject.name);
  return account ? { kind: 'ServiceAccount', namespace: account[1] ?? '', name: account[2] ?? '' } : { kind: 'User', name: subject.name };
}

export function subjectKey(subject: NormalizedSubject): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount:${subject.namespace}/${subject.name}` : `${subject.kind}:${subject.name}`;
}

export function sameSubject(a: NormalizedSubject, b: NormalizedSubject): boolean {
  return subjectKey(a) === subjectKey(b);
}

/** The groups Kubernetes puts a principal in, besides those it names itself. */
export function implicitGroups(principal: Principal): string[] {
  if (principal.kind === 'ServiceAccount') {
    return [serviceAccountsGroup, `${serviceAccountsGroup}:${principal.namespace}`, authenticatedGroup];
  }
  const anonymous = principal.kind === 'User' ? principal.name === anonymousUser : principal.name === unauthenticatedGroup;
  return [anonymous ? unauthenticatedGroup : authenticatedGroup];
}

function groupsOf(principal: Principal): string[] {
  if (principal.kind === 'Group') return [principal.name, ...implicitGroups(principal)];
  if (principal.kind === 'User') return [...(principal.groups ?? []), ...implicitGroups(principal)];
  return implicitGroups(principal);
}

/**
 * What an index of binding subjects files a subject under: a Group or a User by name, a
 * ServiceAccount by its namespace alone (a principal `*` matches every one there).
 */
export function subjectIndexKey(subject: NormalizedSubject): string {
  return subject.kind === 'ServiceAccount' ? `ServiceAccount:${subject.namespace}` : `${subject.kind}:${subject.name}`;
}

/**
 * The index keys of every subject principalMatches could find applying to the principal: its
 * groups, implicit ones included, and itself. A subject filed under none of them does not apply.
 */
export function subjectIndexKeysOf(principal: Principal): string[] {
  const groups = groupsOf(principal).map((group) => `Group:${group}`);
  if (principal.kind === 'User') return [`User:${principal.name}`, ...groups];
  if (principal.kind === 'ServiceAccount') return [`ServiceAccount:${principal.namespace}`, ...groups];
  return groups;
}

/** Whether a binding subject applies to the principal (ServiceAccount name `*`: any in the namespace). */
export function principalMatches(principal: Principal, subject: NormalizedSubject): boolean {
  if (subject.kind === 'Group') return groupsOf(principal).includes(subject.name);
  if (subject.kind === 'User') return principal.kind === 'User' && principal.name === subject.name;
  return (
    principal.kind === 'ServiceAccount' &&
    principal.namespace === subject.namespace &&
    (principal.name === '*' || principal.name === subject.name)
  );
}

/** A pattern of subjects, as platform subjects are configured: an absent name or namespace matches any. */
export interface SubjectPattern {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name?: string;
  namespace?: string;
}

export function patternMatches(pattern: SubjectPattern, subject: NormalizedSubject): boolean {
  if (pattern.kind !== subject.kind) return false;
  if (pattern.name !== undefined && pattern.name !== subject.name) return false;
  return subject.kind !== 'ServiceAccount' || pattern.namespace === undefined || pattern.namespace === subject.namespace;
}
