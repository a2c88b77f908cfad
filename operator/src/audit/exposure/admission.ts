/**
 * The admission policies guarding the tenant's namespace (docs/decisions/0008): each of the
 * operator's ValidatingAdmissionPolicies and bindings exists, is exactly what the operator builds
 * for this configuration, denies (validationActions holds Deny), and selects the tenant's namespace
 * and every object in it; and the namespace's annotations, which the policies read, grant what the
 * platform grants the tenant (its domains, ExternalName by its plan). Skipped, with a limitation in
 * the report instead, when the configuration turns the policies off.
 */
import { externalNameServicesAnnotation, ingressDomainsAnnotation } from '../../api/labels.js';
import type { KubeObject } from '../../runtime/types.js';
import type { AuditCheck } from '../model.js';
import type { LabelSelector } from '../network/index.js';
import { selectorMatches } from '../network/selectors.js';
import { specDifferences } from './admission-spec.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import {
  groupedBy,
  objectName,
  ruleName,
  type Grouping,
  type ListedObject,
  type Listing,
  type Offence,
  type TenantExposure,
} from './model.js';

export interface AdmissionFacts {
  /** buildAdmissionPolicies for the operator's configuration: each policy, then its binding. */
  built: readonly KubeObject[];
  policies: Listing;
  bindings: Listing;
  namespaces: Listing;
}

const rule = ruleName('admission-policies-as-built');

const admission: CheckSpec = {
  id: 'guardrails.admission-policies',
  category: 'guardrails',
  reasons: [
    'AdmissionPolicyMissing',
    'AdmissionBindingMissing',
    'AdmissionBindingNotDenying',
    'AdmissionPolicyMissesTenant',
    'AdmissionBindingMissesTenant',
    'AdmissionPolicyAltered',
    'AdmissionBindingAltered',
    'AdmissionSettingsAltered',
  ],
  title: (tenant) =>
    `Bulkhead's admission policies and bindings exist as the operator builds them, deny, and cover every object in ${tenant.namespace}; the namespace grants what the platform grants the tenant.`,
  clean: 'Every admission policy and binding is as built, denies and covers the namespace.',
};

interface Matching {
  namespaceSelector?: LabelSelector;
  objectSelector?: LabelSelector;
}

/** By metadata.name: the Namespaces, for the tenant's own. */
export const byName: Grouping = { name: 'name', keysOf: (item) => [item.metadata.name] };
const isBinding = (object: KubeObject): boolean => object.kind === 'ValidatingAdmissionPolicyBinding';
const specOf = (object: KubeObject): Record<string, unknown> => (object as { spec?: Record<string, unknown> }).spec ?? {};
const kindWord = (object: KubeObject): string => (isBinding(object) ? 'Binding' : 'Policy');

/** Why the live object's selectors leave out the namespace or some objects in it, if they do. */
function coverageProblem(matching: Matching | undefined, namespaceLabels: Record<string, string>): string | undefined {
  if (!matching) return undefined;
  if (matching.namespaceSelector && !selectorMatches(matching.namespaceSelector, namespaceLabels))
    return 'its namespaceSelector does not select the namespace';
  if (matching.objectSelector && Object.keys(matching.objectSelector).length > 0)
    return 'its objectSelector lets objects without those labels through';
  return undefined;
}

interface Judged {
  built: KubeObject;
  live: ListedObject | undefined;
  /** Whether it guards tenant namespaces (all but the cluster-wide Tenant policy). */
  tenantScoped: boolean;
  namespaceLabels: Record<string, string> | undefined;
}

/** What only a binding can get wrong: not denying (Warn or Audit alone lets every request through). */
function bindingOffences(built: KubeObject, spec: Record<string, unknown>): { reason: string; detail: string }[] {
  const actions = (spec.validationActions as string[] | undefined) ?? [];
  if (!isBinding(built) || actions.includes('Deny')) return [];
  return [{ reason: 'AdmissionBindingNotDenying', detail: `validationActions is ${JSON.stringify(actions)}, without Deny` }];
}

function coverageOffences(
  { built, tenantScoped, namespaceLabels }: Judged,
  spec: Record<string, unknown>,
): { reason: string; detail: string }[] {
  if (!tenantScoped || !namespaceLabels) return [];
  const problem = coverageProblem(
    (isBinding(built) ? spec.matchResources : spec.matchConstraints) as Matching | undefined,
    namespaceLabels,
  );
  return problem ? [{ reason: `Admission${kindWord(built)}MissesTenant`, detail: problem }] : [];
}

function alterations(built: KubeObject, spec: Record<string, unknown>): { reason: string; detail: string }[] {
  const differences = specDifferences(specOf(built), spec);
  if (differences.length === 0) return [];
  const shown = `${differences.slice(0, 3).join(', ')}${differences.length > 3 ? ', ...' : ''}`;
  return [{ reason: `Admission${kindWord(built)}Altered`, detail: `differs from what the operator builds at ${shown}` }];
}

function objectOffences(judged: Judged): Offence[] {
  const { built, live } = judged;
  const found = live
    ? [...bindingOffences(built, specOf(live)), ...coverageOffences(judged, specOf(live)), ...alterations(built, specOf(live))]
    : [{ reason: `Admission${kindWord(built)}Missing`, detail: 'does not exist' }];
  return found.map(({ reason, detail }) => ({ object: objectName(built), rule, reason, detail }));
}

function settingsOffences(tenant: TenantExposure, namespace: ListedObject | undefined): Offence[] {
  if (!namespace) return [];
  const annotations = namespace.metadata.annotations ?? {};
  const expected: Record<string, string> = {
    [ingressDomainsAnnotation]: [...tenant.domains].sort().join(','),
    [externalNameServicesAnnotation]: tenant.allowExternalNames ? 'allowed' : 'refused',
  };
  const normal = (key: string, value: string | undefined) =>
    key === ingressDomainsAnnotation ? (value ?? '').split(',').filter(Boolean).sort().join(',') : value;
  return Object.entries(expected)
    .filter(([key, value]) => normal(key, annotations[key]) !== value)
    .map(([key, value]) => ({
      object: objectName(namespace),
      rule,
      reason: 'AdmissionSettingsAltered',
      detail: `annotation ${key} is ${annotations[key] === undefined ? 'absent' : JSON.stringify(annotations[key])}, the platform grants ${JSON.stringify(value)}`,
    }));
}

export function admissionCheck(tenant: TenantExposure, facts: AdmissionFacts): AuditCheck {
  const liveOf = (listing: Listing, name: string) =>
    'items' in listing ? listing.items.find((item) => item.metadata.name === name) : undefined;
  // The first Namespace of that name, as find gave it, from one grouping of the fleet's (docs/decisions/0060).
  const namespace = 'items' in facts.namespaces ? groupedBy(facts.namespaces, byName).get(tenant.namespace)?.[0] : undefined;
  const tenantScoped = new Set(
    facts.built.filter((built) => isBinding(built) && specOf(built).matchResources !== undefined).map((built) => built.metadata.name),
  );
  const judged = (built: KubeObject): Judged => ({
    built,
    live: liveOf(isBinding(built) ? facts.bindings : facts.policies, built.metadata.name),
    tenantScoped: tenantScoped.has(built.metadata.name),
    namespaceLabels: namespace?.metadata.labels,
  });
  return exposureCheck(admission, tenant, {
    listings: [facts.policies, facts.bindings, facts.namespaces],
    offences: () => [...facts.built.flatMap((built) => objectOffences(judged(built))), ...settingsOffences(tenant, namespace)],
    evidence: { policies: facts.built.map((object) => `${object.kind} ${object.metadata.name}`) },
  });
}
