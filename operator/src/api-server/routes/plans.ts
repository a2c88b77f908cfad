/** GET /v1/plans: the plans a tenant can be put on, with what sales ops need to choose one. */
import type { Request, Response } from 'express';
import type { TenantPlan } from '../../api/index.js';
import type { AppDeps } from '../deps.js';
import type { z } from 'zod';
import type { PlanSummarySchema } from '../schemas.js';

function planSummary(plan: TenantPlan): z.infer<typeof PlanSummarySchema> {
  const { quota, app, displayName } = plan.spec;
  return {
    name: plan.metadata.name,
    displayName: displayName ?? null,
    appVersion: app.version,
    quota: { cpu: quota.cpu, memory: quota.memory, storage: quota.storage },
    allowedValueKeys: app.allowedValueKeys ?? [],
  };
}

export function listPlansHandler(deps: AppDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    const plans = await deps.tenants.listPlans();
    response.json({ items: plans.map(planSummary) });
  };
}
