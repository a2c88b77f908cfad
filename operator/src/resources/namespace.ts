/**
 * The tenant's namespace: labelled with the tenant (name and UID) and with Pod Security admission
 * at `restricted` for enforce, audit and warn, each pinned to a version so that a cluster upgrade
 * cannot silently change what the tenant may run; annotated with what its admission policies
 * allow (host names, ExternalName Services).
 */
import {
  externalNameServicesAnnotation,
  ingressDomainsAnnotation,
  podSecurityAuditLabel,
  podSecurityEnforceLabel,
  podSecurityLevel,
  podSecurityWarnLabel,
  tenantLabels,
  tenantUidLabel,
} from '../api/labels.js';
import type { KubeObject } from '../runtime/types.js';
import { ownerReference, type TenantIdentity } from './meta.js';

export function podSecurityLabels(version: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of [podSecurityEnforceLabel, podSecurityAuditLabel, podSecurityWarnLabel]) {
    labels[mode] = podSecurityLevel;
    labels[`${mode}-version`] = version;
  }
  return labels;
}

/** What the tenant's admission policies read from its namespace (owners cannot change a namespace). */
export interface NamespaceGuardrails {
  podSecurityVersion: string;
  /** The host names (with their subdomains) the tenant may serve; see domains.ts. */
  domains: readonly string[];
  /** From the plan: whether ExternalName Services (to names outside the cluster) are allowed. */
  allowExternalNameServices: boolean;
}

export function buildNamespace(tenant: TenantIdentity, namespace: string, guardrails: NamespaceGuardrails): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: { ...tenantLabels(tenant.name), [tenantUidLabel]: tenant.uid, ...podSecurityLabels(guardrails.podSecurityVersion) },
      annotations: {
        [ingressDomainsAnnotation]: guardrails.domains.join(','),
        [externalNameServicesAnnotation]: guardrails.allowExternalNameServices ? 'allowed' : 'refused',
      },
      ownerReferences: [ownerReference(tenant)],
    },
  };
}

/** Whether an existing namespace was made by Bulkhead for this tenant (its UID label or owner reference). */
export function belongsToTenant(namespace: KubeObject, tenant: TenantIdentity): boolean {
  return (
    namespace.metadata.labels?.[tenantUidLabel] === tenant.uid ||
    (namespace.metadata.ownerReferences ?? []).some((owner) => owner.kind === 'Tenant' && owner.uid === tenant.uid)
  );
}
