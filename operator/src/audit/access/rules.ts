/**
 * Whether one PolicyRule allows one request, matched the way kube-apiserver's RBAC authorizer
 * does (plugin/pkg/auth/authorizer/rbac: VerbMatches, APIGroupMatches, ResourceMatches,
 * ResourceNameMatches, NonResourceURLMatches), and whether one rule is covered by another (for
 * the baseline every authenticated user holds).
 *
 * resourceNames: kube-apiserver allows a request limited by resourceNames only when the request
 * names one of them. When the audit asks about "some object" (no name), a rule with resourceNames
 * still counts, since the names are chosen by whoever writes the objects, but the grant carries
 * the names (Grant.limitedTo) so a reader can judge its reach. The exceptions are create and
 * deletecollection: their requests never carry a name, so such a rule never allows them.
 */
import type { PolicyRule, RequestAttributes } from './rbac-types.js';

const all = '*';
const unnamedVerbs: ReadonlySet<string> = new Set(['create', 'deletecollection']);

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes(all) || rule.verbs.includes(verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  const groups = rule.apiGroups ?? [];
  return groups.includes(all) || groups.includes(group);
}

/** `*` matches every resource and subresource; `*\/scale` matches the scale subresource of any resource. */
export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource;
  return (rule.resources ?? []).some(
    (ruleResource) =>
      ruleResource === all || ruleResource === combined || (subresource !== undefined && ruleResource === `*/${subresource}`),
  );
}

/** With `name` absent the question is about some object: see the file comment. */
export function resourceNameMatches(rule: PolicyRule, verb: string, name?: string): boolean {
  const names = rule.resourceNames ?? [];
  if (names.length === 0) return true;
  if (name !== undefined) return names.includes(name);
  return !unnamedVerbs.has(verb);
}

/** `*` matches every path; a pattern ending in `*` matches by prefix. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  return (rule.nonResourceURLs ?? []).some(
    (pattern) => pattern === all || pattern === path || (pattern.endsWith(all) && path.startsWith(pattern.slice(0, -1))),
  );
}

export function ruleAllows(rule: PolicyRule, request: RequestAttributes): boolean {
  if (!verbMatches(rule, request.verb)) return false;
  if ('nonResourceURL' in request) return nonResourceURLMatches(rule, request.nonResourceURL);
  return (
    apiGroupMatches(rule, request.apiGroup) &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.verb, request.name)
  );
}

function listCovered(base: string[] | undefined, items: string[] | undefined): boolean {
  const baseItems = base ?? [];
  return baseItems.includes(all) || (items ?? []).every((item) => baseItems.includes(item));
}

function urlsCovered(base: PolicyRule, rule: PolicyRule): boolean {
  // A pattern like /api/* in the rule is covered only by a pattern at least as wide.
  return (rule.nonResourceURLs ?? []).every((url) => nonResourceURLMatches(base, url));
}

function namesCovered(base: PolicyRule, rule: PolicyRule): boolean {
  const baseNames = base.resourceNames ?? [];
  if (baseNames.length === 0) return true;
  const names = rule.resourceNames ?? [];
  return names.length > 0 && names.every((name) => baseNames.includes(name));
}

/** Whether everything `rule` allows is also allowed by `base` (conservative: false when unsure). */
export function ruleCovers(base: PolicyRule, rule: PolicyRule): boolean {
  const hasResources = (rule.resources ?? []).length > 0;
  return (
    listCovered(base.verbs, rule.verbs) &&
    (!hasResources ||
      (listCovered(base.apiGroups, rule.apiGroups) && listCovered(base.resources, rule.resources) && namesCovered(base, rule))) &&
    urlsCovered(base, rule)
  );
}
