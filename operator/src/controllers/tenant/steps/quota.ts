/** Step: the ResourceQuota and LimitRange from the tenant's plan. */
import { ConditionType, Reason } from '../../../api/conditions.js';
import { buildLimitRange, buildResourceQuota } from '../../../resources/quota.js';
import type { StepContext, StepOutcome } from '../context.js';

export async function ensureQuota(context: StepContext): Promise<StepOutcome> {
  const { tenant, namespace, plan } = context;
  await context.owned.ensure(buildResourceQuota(tenant.metadata, namespace, plan.spec.quota), context.logger);
  await context.owned.ensure(buildLimitRange(tenant.metadata, namespace, plan.spec.limits), context.logger);
  return {
    type: ConditionType.QuotaReady,
    status: 'True',
    reason: Reason.Reconciled,
    message: `Quota and limits follow plan ${plan.metadata.name}`,
  };
}
