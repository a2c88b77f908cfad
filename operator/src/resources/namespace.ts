/**
 * The tenant's namespace: labelled with the tenant and with Pod Security admission at
 * `restricted` for enforce, audit and warn, each pinned to a version so that a cluster upgrade
 * cannot silently change what the tenant may run.
 */
import {
  podSecurityAuditLabel, podSecurityEnforceLabel, podSecurityLevel, podSecurityWarnLabel, tenantLabels,
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

export function buildNamespace(tenant: TenantIdentity, namespace: string, podSecurityVersion: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: { ...tenantLabels(tenant.name), ...podSecurityLabels(podSecurityVersion) },
      ownerReferences: [ownerReference(tenant)],
    },
  };
}
