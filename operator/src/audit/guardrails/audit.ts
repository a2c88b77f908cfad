/**
 * `auditGuardrails`: reads each tenant's namespace, quota, limit range and default ServiceAccount
 * from the live cluster and judges them against the tenant's plan and the operator's settings.
 * Reads only; every object read is returned as an input. A tenant whose objects cannot be read is
 * reported as an error, never as a pass.
 */
import { namespaceName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import { limitRangeName, resourceQuotaName } from '../../resources/quota.js';
import { defaultServiceAccountName } from '../../resources/service-account.js';
import type { KubeObject } from '../../runtime/types.js';
import { mapBounded } from '../data/bounded.js';
import { errored, type AuditCheck, type InputObject } from '../model.js';
import { inputsOf } from './inputs.js';
import { readNamed } from './named-reads.js';
import { judgeNamespace, judgePodSecurity } from './namespace-checks.js';
import { judgeLimitRange, judgeQuota, type LimitRangeObject, type QuotaObject } from './quota-checks.js';
import { judgeDefaultServiceAccount, type ServiceAccountObject } from './service-account-checks.js';
import { errorMessage } from '../../runtime/errors.js';

export interface GuardrailsAuditRequest {
  tenants: readonly Tenant[];
  plans: readonly TenantPlan[];
  /** The operator's configuration (for podSecurityVersion). */
  config: Pick<OperatorConfig, 'podSecurityVersion'>;
  /** Tenants read at once; default 8. */
  concurrency?: number;
}

export interface AuditPart {
  checks: AuditCheck[];
  inputs: InputObject[];
}

interface TenantObjects {
  namespace: KubeObject | undefined;
  quota: QuotaObject | undefined;
  limitRange: LimitRangeObject | undefined;
  serviceAccount: ServiceAccountObject | undefined;
}

async function readTenantObjects(client: KubeClient, namespace: string): Promise<TenantObjects> {
  const [live, quota, limitRange, serviceAccount] = await Promise.all([
    client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }),
    readNamed<QuotaObject>(client, { apiVersion: 'v1', kind: 'ResourceQuota' }, namespace, resourceQuotaName),
    readNamed<LimitRangeObject>(client, { apiVersion: 'v1', kind: 'LimitRange' }, namespace, limitRangeName),
    readNamed<ServiceAccountObject>(client, { apiVersion: 'v1', kind: 'ServiceAccount' }, namespace, defaultServiceAccountName),
  ]);
  return { namespace: live, quota, limitRange, serviceAccount };
}

async function auditTenant(client: KubeClient, tenant: Tenant, request: GuardrailsAuditRequest): Promise<AuditPart> {
  const namespace = namespaceName(tenant);
  const name = tenant.metadata.name;
  let objects: TenantObjects;
  try {
    objects = await readTenantObjects(client, namespace);
  } catch (error) {
    const message = `could not read the guardrails of namespace ${namespace}: ${errorMessage(error)}`;
    return {
      checks: [
        errored({
          id: 'guardrails.read',
          category: 'guardrails',
          tenant: name,
          title: `The guardrails of ${namespace} can be read`,
          reason: 'GuardrailsUnreadable',
          message,
          evidence: null,
        }),
      ],
      inputs: [],
    };
  }
  const facts = { tenant: name, namespace, live: objects.namespace, podSecurityVersion: request.config.podSecurityVersion };
  const quotaFacts = {
    tenant: { name, uid: tenant.metadata.uid ?? '' },
    namespace,
    planName: tenant.spec.plan,
    plan: request.plans.find((plan) => plan.metadata.name === tenant.spec.plan),
    quota: objects.quota,
    limitRange: objects.limitRange,
  };
  return {
    checks: [
      judgeNamespace(facts),
      judgePodSecurity(facts),
      judgeQuota(quotaFacts),
      judgeLimitRange(quotaFacts),
      judgeDefaultServiceAccount(name, namespace, objects.serviceAccount),
    ],
    inputs: inputsOf([objects.namespace, objects.quota, objects.limitRange, objects.serviceAccount]),
  };
}

/** The guardrail checks of every tenant, five per tenant, in the order of `tenants`. */
export async function auditGuardrails(client: KubeClient, request: GuardrailsAuditRequest): Promise<AuditPart> {
  const parts = await mapBounded(request.tenants, request.concurrency ?? 8, (tenant) => auditTenant(client, tenant, request));
  return { checks: parts.flatMap((part) => part.checks), inputs: parts.flatMap((part) => part.inputs) };
}
