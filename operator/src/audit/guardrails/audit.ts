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
import { poolNamespaceName } from '../../resources/pool.js';
import { judgePooledSharing, judgePoolNetwork, judgePoolPodSecurity } from './pool-checks.js';

export interface GuardrailsAuditRequest {
  tenants: readonly Tenant[];
  plans: readonly TenantPlan[];
  /** The operator's configuration (podSecurityVersion; the platform namespaces a pool namespace may admit). */
  config: Pick<OperatorConfig, 'podSecurityVersion' | 'network'>;
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

/**
 * The guardrail checks of every tenant, five per tenant, in the order of `tenants`; then what each
 * pooled tenant shares, and the pool namespace of each region with shared-release tenants.
 */
export async function auditGuardrails(client: KubeClient, request: GuardrailsAuditRequest): Promise<AuditPart> {
  const parts = await mapBounded(request.tenants, request.concurrency ?? 8, (tenant) => auditTenant(client, tenant, request));
  const planOf = (tenant: Tenant) => request.plans.find((plan) => plan.metadata.name === tenant.spec.plan);
  const sharing = request.tenants.flatMap((tenant) => judgePooledSharing(tenant, planOf(tenant)) ?? []);
  const regions = [
    ...new Set(request.tenants.filter((t) => planOf(t)?.spec.isolation?.release === 'Shared').map((t) => t.spec.region)),
  ].sort();
  const pools = await Promise.all(regions.map((region) => auditPoolNamespace(client, poolNamespaceName(region), request)));
  const all = [...parts, { checks: sharing, inputs: [] }, ...pools];
  return { checks: all.flatMap((part) => part.checks), inputs: all.flatMap((part) => part.inputs) };
}

/** A region's pool namespace: its Pod Security labels and its NetworkPolicies (pool-checks.ts). */
async function auditPoolNamespace(client: KubeClient, namespace: string, request: GuardrailsAuditRequest): Promise<AuditPart> {
  try {
    const [live, policies] = await Promise.all([
      client.get({ apiVersion: 'v1', kind: 'Namespace', name: namespace }),
      client.list<KubeObject>('networking.k8s.io/v1', 'NetworkPolicy', { namespace }),
    ]);
    return {
      checks: [
        judgePoolPodSecurity({ namespace, live, podSecurityVersion: request.config.podSecurityVersion }),
        judgePoolNetwork(namespace, policies.items, request.config.network),
      ],
      inputs: inputsOf([live, ...policies.items]),
    };
  } catch (error) {
    const check = errored({
      id: 'guardrails.pool-network',
      category: 'guardrails',
      title: `The guardrails of pool namespace ${namespace} can be read`,
      reason: 'GuardrailsUnreadable',
      message: `could not read pool namespace ${namespace}: ${errorMessage(error)}`,
      evidence: null,
    });
    return { checks: [check], inputs: [] };
  }
}
