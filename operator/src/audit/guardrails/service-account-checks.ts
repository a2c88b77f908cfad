/**
 * Judging the tenant namespace's `default` ServiceAccount: pods that name no account run as it, and
 * unless it says otherwise every such pod gets an API token mounted, an identity an attacker in the
 * pod could use against kube-apiserver.
 */
import type { KubeObject } from '../../runtime/types.js';
import { failed, passed, type AuditCheck } from '../model.js';

export interface ServiceAccountObject extends KubeObject {
  automountServiceAccountToken?: boolean;
}

export function judgeDefaultServiceAccount(tenant: string, namespace: string, live: ServiceAccountObject | undefined): AuditCheck {
  const base = {
    id: 'guardrails.default-service-account',
    category: 'guardrails' as const,
    tenant,
    title: `The default ServiceAccount of ${namespace} mounts no API token into pods`,
  };
  if (!live) {
    return failed({
      ...base,
      reason: 'DefaultServiceAccountMissing',
      evidence: null,
      message: `ServiceAccount ${namespace}/default does not exist, so its setting cannot be verified`,
    });
  }
  const automount = live.automountServiceAccountToken ?? null;
  const evidence = { automountServiceAccountToken: automount };
  if (automount === false) return passed({ ...base, message: 'automountServiceAccountToken is false', evidence });
  return failed({
    ...base,
    reason: 'DefaultServiceAccountAutomountsToken',
    evidence,
    message: `ServiceAccount ${namespace}/default has automountServiceAccountToken ${automount === null ? 'unset (true by default)' : String(automount)}`,
  });
}
