/**
 * The tenant namespace's `default` ServiceAccount, as far as Bulkhead cares about it: no API token
 * mounted into pods that do not ask for one. kube-controller-manager creates the account; the
 * operator applies only this field (plus its labels and owner reference, so that a change to the
 * account wakes the tenant's reconcile), and server-side apply leaves the rest to its creator.
 */
import type { KubeObject } from '../runtime/types.js';
import { childMeta, type TenantIdentity } from './meta.js';

export const defaultServiceAccountName = 'default';

export function buildDefaultServiceAccount(
  tenant: TenantIdentity,
  namespace: string,
): KubeObject & { automountServiceAccountToken: boolean } {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: childMeta(tenant, defaultServiceAccountName, namespace),
    automountServiceAccountToken: false,
  };
}
