/**
 * NetworkPolicies in a tenant namespace are Bulkhead's alone: owners may only read them, charts
 * may not render them, and an allow rule anyone adds opens what default-deny closes. A policy is
 * Bulkhead's when it has one of the names Bulkhead builds, Bulkhead's labels for this tenant and an
 * owner reference to this Tenant, and no field manager but Bulkhead's owns a field of its spec
 * (managedFields: someone who edited or re-applied it keeps owning what they set, even after the
 * operator reverted the rest). The network checks judge what every policy allows either way.
 */
import { fieldManager, managedByLabel, managedByValue, tenantLabel } from '../../api/labels.js';
import { networkPolicyNames } from '../../resources/network-policies.js';
import type { AuditCheck } from '../model.js';
import { exposureCheck, type CheckSpec } from './checks.js';
import { inNamespace, objectName, ruleName, type ListedObject, type Listing, type Offence, type TenantExposure } from './model.js';

const bulkheadNames: ReadonlySet<string> = new Set(Object.values(networkPolicyNames));
const rule = ruleName('network-policies-by-bulkhead-only');

const authors: CheckSpec = {
  id: 'network.policy-authors',
  category: 'network',
  reasons: ['ForeignNetworkPolicy', 'NetworkPolicyChangedByOther'],
  title: (tenant) =>
    `Every NetworkPolicy in ${tenant.namespace} is one Bulkhead built for tenant ${tenant.name}, and nobody else changed its spec.`,
  clean: "Every NetworkPolicy is Bulkhead's, and only Bulkhead set its spec.",
};

function notBulkheads(policy: ListedObject, tenant: TenantExposure): string[] {
  const labels = policy.metadata.labels ?? {};
  const problems: string[] = [];
  if (!bulkheadNames.has(policy.metadata.name)) problems.push('not one of the policies Bulkhead builds');
  if (labels[managedByLabel] !== managedByValue || labels[tenantLabel] !== tenant.name)
    problems.push(`lacks the labels ${managedByLabel}=${managedByValue}, ${tenantLabel}=${tenant.name}`);
  if (!(policy.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'Tenant' && owner.uid === tenant.uid))
    problems.push(`lacks an owner reference to Tenant ${tenant.name}`);
  return problems;
}

/** Managers other than Bulkhead's that own a field under spec. */
export function otherSpecManagers(object: ListedObject): string[] {
  const others = (object.metadata.managedFields ?? [])
    .filter(
      (entry) =>
        entry.manager !== fieldManager && entry.subresource === undefined && entry.fieldsV1 !== undefined && 'f:spec' in entry.fieldsV1,
    )
    .map((entry) => `${entry.manager ?? '(unnamed)'} (${entry.operation ?? 'unknown operation'})`);
  return [...new Set(others)];
}

function offences(policy: ListedObject, tenant: TenantExposure): Offence[] {
  const foreign = notBulkheads(policy, tenant);
  if (foreign.length > 0) return [{ object: objectName(policy), rule, reason: 'ForeignNetworkPolicy', detail: foreign.join('; ') }];
  const others = otherSpecManagers(policy);
  return others.length > 0
    ? [{ object: objectName(policy), rule, reason: 'NetworkPolicyChangedByOther', detail: `spec fields are owned by ${others.join(', ')}` }]
    : [];
}

export function policyAuthorsCheck(tenant: TenantExposure, policies: Listing): AuditCheck {
  const own = inNamespace(policies, tenant.namespace);
  return exposureCheck(authors, tenant, {
    listings: [own],
    offences: () => ('items' in own ? own.items.flatMap((policy) => offences(policy, tenant)) : []),
  });
}
