/**
 * PATCH /v1/tenants/{name} (plan change, an upgrade out of the pool included but never a move into
 * it; suspend, resume) and DELETE /v1/tenants/{name}
 * (platform-admin only, and only when the caller confirms the deletion policy that will apply to
 * the tenant's data, so nobody deletes a database believing it is retained).
 */
import type { Request, Response } from 'express';
import { isNotFound } from '../../kube/errors.js';
import { recordChanges, specChanges } from '../audit-trail/changes.js';
import { principalOf, requireAction } from '../auth.js';
import { roleAllows } from '../roles.js';
import { tenantStoreFor, tenantsPath, type AppDeps } from '../deps.js';
import { ApiProblem, notFoundProblem, validationProblem } from '../problems.js';
import { DeleteTenantQuerySchema, PatchTenantRequestSchema } from '../schemas.js';
import { tenantSummary } from '../summary.js';
import type { TenantStore } from '../tenant-store.js';
import { demotionProblem } from '../tiers.js';
import type { Tenant } from '../../api/index.js';
import { bodyObject, parseOrRefuse } from '../validate.js';
import { readTenantOr404, tenantNameParam } from './read-tenants.js';

export function patchTenantHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    // Refuse a role that may change nothing before looking at the body.
    if (!roleAllows(principalOf(response).role, 'tenants:change-plan')) requireAction(response, 'tenants:suspend');
    const name = tenantNameParam(request);
    const patch = parseOrRefuse(PatchTenantRequestSchema, bodyObject(request.body));
    if (patch.plan !== undefined) requireAction(response, 'tenants:change-plan');
    if (patch.suspended !== undefined) requireAction(response, 'tenants:suspend');
    const store = await tenantStoreFor(deps, name);
    const tenant = await readTenantOr404(store, name);
    if (tenant.metadata.deletionTimestamp) {
      throw new ApiProblem({
        status: 409,
        type: 'tenant-deleting',
        title: 'Tenant is being deleted',
        detail: `The tenant ${name} is being deleted and can no longer change.`,
        errors: [{ field: 'name', rule: 'notDeleting' }],
      });
    }
    if (patch.plan !== undefined) await refuseUnknownPlanOrDemotion(store, tenant, patch.plan);
    // resourceVersion makes the merge patch conditional: a concurrent change answers 409, not a lost update.
    const updated = await store
      .mergePatch(name, { metadata: { resourceVersion: tenant.metadata.resourceVersion }, spec: patch })
      .catch((error: unknown) => {
        // Deleted by a concurrent DELETE since it was read: it does not exist, which is no server error.
        throw isNotFound(error) ? notFoundProblem(`The tenant ${name}`) : error;
      });
    recordChanges(response, specChanges(patch));
    response.json(tenantSummary(updated, tenantsPath));
  };
}

/** The plan must exist, and must not move a tenant with a database of its own into the pool (tiers.ts). */
async function refuseUnknownPlanOrDemotion(store: TenantStore, tenant: Tenant, planName: string): Promise<void> {
  const plan = await store.getPlan(planName);
  if (!plan) throw validationProblem([{ field: 'plan', rule: 'exists', message: `no plan named ${planName}` }]);
  const demotion = demotionProblem(tenant, plan);
  if (demotion) throw demotion;
}

export function deleteTenantHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    requireAction(response, 'tenants:delete');
    const name = tenantNameParam(request);
    const { confirmDeletionPolicy } = parseOrRefuse(DeleteTenantQuerySchema, request.query);
    const store = await tenantStoreFor(deps, name);
    const tenant = await readTenantOr404(store, name);
    const policy = tenant.spec.database.deletionPolicy;
    if (confirmDeletionPolicy !== policy) {
      throw new ApiProblem({
        status: 409,
        type: 'deletion-policy-mismatch',
        title: 'Deletion policy not confirmed',
        detail: `The tenant's spec.database.deletionPolicy is ${policy}, not ${confirmDeletionPolicy}; confirm the policy that will apply.`,
        errors: [{ field: 'confirmDeletionPolicy', rule: 'mustEqual:spec.database.deletionPolicy' }],
      });
    }
    // What an auditor asks of a deletion: what happens to the data. Nothing to record if it was already gone.
    const deleted = await store.delete(name, tenant.metadata.uid ?? '');
    if (deleted) recordChanges(response, [{ field: 'database.deletionPolicy', value: policy }]);
    const deleting = await store.get(name);
    if (!deleting) await deps.cells?.forgetDeleted(name, store);
    response.status(202).json(tenantSummary(deleting ?? tenant, tenantsPath));
  };
}
