/**
 * Label selector matching exactly as metav1.LabelSelectorAsSelector does it: every matchLabels
 * entry and every matchExpressions requirement must hold (AND), and an empty selector matches
 * everything. Whether a selector is *absent* is the caller's concern (policy-semantics.ts).
 */
import type { LabelSelector, LabelSelectorRequirement } from './model.js';

export function selectorMatches(selector: LabelSelector, labels: Record<string, string>): boolean {
  const labelsMatch = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => Object.hasOwn(labels, key) && labels[key] === value,
  );
  return labelsMatch && (selector.matchExpressions ?? []).every((requirement) => requirementHolds(requirement, labels));
}

function requirementHolds(requirement: LabelSelectorRequirement, labels: Record<string, string>): boolean {
  const present = Object.hasOwn(labels, requirement.key);
  const values = requirement.values ?? [];
  switch (requirement.operator) {
    case 'In':
      return present && values.includes(labels[requirement.key] ?? '');
    // NotIn also matches objects that lack the key (labels.Requirement.Matches, selection.NotIn).
    case 'NotIn':
      return !present || !values.includes(labels[requirement.key] ?? '');
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
  }
}
