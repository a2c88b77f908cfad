/**
 * How grants and subjects are written into a check's evidence and message: every grant names its
 * subject, binding, role and rule, so an auditor can find the object to fix.
 */
import type { JsonValue } from '../model.js';
import type { Grant, NormalizedSubject, ObjectName, PolicyRule } from './rbac-types.js';
import { subjectKey } from './subjects.js';

export function objectLabel(object: ObjectName): string {
  return `${object.kind} ${object.namespace ? `${object.namespace}/` : ''}${object.name}`;
}

function ruleEvidence(rule: PolicyRule): JsonValue {
  const fields: [string, string[] | undefined][] = [
    ['verbs', rule.verbs],
    ['apiGroups', rule.apiGroups],
    ['resources', rule.resources],
    ['resourceNames', rule.resourceNames],
    ['nonResourceURLs', rule.nonResourceURLs],
  ];
  return Object.fromEntries(fields.flatMap(([key, value]) => (value && value.length > 0 ? [[key, value]] : [])));
}

export function grantEvidence(grant: Grant & { allows?: string[] }): JsonValue {
  return {
    subject: subjectKey(grant.subject),
    binding: objectLabel(grant.binding),
    role: objectLabel(grant.role),
    rule: ruleEvidence(grant.rule),
    ...(grant.aggregatedFrom ? { aggregatedFrom: grant.aggregatedFrom } : {}),
    ...(grant.limitedTo ? { limitedTo: grant.limitedTo } : {}),
    ...(grant.allows ? { allows: grant.allows } : {}),
  };
}

/** "User:mallory through RoleBinding tenant-b/x (ClusterRole edit)", for up to three grants. */
export function grantsSentence(grants: Grant[]): string {
  const shown = grants
    .slice(0, 3)
    .map(
      (grant) =>
        `${subjectKey(grant.subject)} through ${objectLabel(grant.binding)} (${objectLabel(grant.role)}${grant.aggregatedFrom ? `, aggregated from ${grant.aggregatedFrom.join(' <- ')}` : ''})`,
    );
  const more = grants.length > 3 ? ` and ${grants.length - 3} more` : '';
  return `${shown.join('; ')}${more}`;
}

export function subjectKeys(subjects: NormalizedSubject[]): string[] {
  return [...new Set(subjects.map(subjectKey))].sort();
}
