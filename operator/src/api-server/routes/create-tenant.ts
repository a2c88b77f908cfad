/**
 * POST /v1/tenants: onboards a customer. Checks, in order: the caller may create; the
 * Idempotency-Key is present; the body is valid and sets only fields the caller's role may set;
 * a retry of an earlier request replays it; the plan exists and allows the app values. Then it
 * creates the Tenant and answers 202 Accepted: the operator does the rest, the summary says how far.
 * The audit trail records every field of the spec as Kubernetes stored it, defaults included.
 */
import type { Request, Response } from 'express';
import { apiVersion, disallowedValueKeys, tenantKind, TenantSchema, TenantSpecSchema, type Tenant } from '../../api/index.js';
import { isAlreadyExists } from '../../kube/errors.js';
import { recordAlongside, recordChanges, specChanges } from '../audit-trail/changes.js';
import { tenantExistsProblem, type CreateTarget } from '../cells/routing.js';
import { forbidden, requireAction } from '../auth.js';
import { tenantsPath, type AppDeps } from '../deps.js';
import {
  createdByAnnotation,
  idempotencyKeyLabel,
  idempotencyRecordId,
  keyReusedProblem,
  parseIdempotencyKey,
  requestHash,
  requestHashAnnotation,
  type InFlightRequests,
} from '../idempotency.js';
import { platformFieldsSet } from '../platform-fields.js';
import { ApiProblem, validationProblem } from '../problems.js';
import type { TenantStore } from '../tenant-store.js';
import { roleAllows, type Principal } from '../roles.js';
import { CreateTenantRequestSchema, type CreateTenantRequest } from '../schemas.js';
import { tenantSummary } from '../summary.js';
import { bodyObject, parseOrRefuse } from '../validate.js';

interface Attempt {
  recordId: string;
  bodyHash: string;
  principal: Principal;
}

function tenantFrom(request: CreateTenantRequest, attempt: Attempt): Tenant {
  const { name, ...spec } = request;
  return TenantSchema.parse({
    apiVersion,
    kind: tenantKind,
    metadata: {
      name,
      labels: { [idempotencyKeyLabel]: attempt.recordId },
      annotations: { [requestHashAnnotation]: attempt.bodyHash, [createdByAnnotation]: attempt.principal.id },
    },
    spec,
  });
}

/** The Tenant an earlier attempt with this key created, if any; 422 if it was for another body. */
async function earlierResult(store: TenantStore, attempt: Attempt): Promise<Tenant | undefined> {
  const page = await store.list({ limit: 1, labelSelector: `${idempotencyKeyLabel}=${attempt.recordId}` });
  const earlier = page.items[0];
  if (earlier && earlier.metadata.annotations?.[requestHashAnnotation] !== attempt.bodyHash) throw keyReusedProblem();
  return earlier;
}

/** The checks that need the plan: it exists, and it allows every app value the request sets. */
async function checkPlan(store: TenantStore, request: CreateTenantRequest): Promise<void> {
  const plan = await store.getPlan(request.plan);
  if (!plan) throw validationProblem([{ field: 'plan', rule: 'exists', message: `no plan named ${request.plan}` }]);
  const { name: _name, ...spec } = request;
  const refused = disallowedValueKeys(plan.spec, TenantSpecSchema.parse(spec));
  if (refused.length > 0) {
    throw validationProblem(
      refused.map((key) => ({
        field: `app.values.${key}`,
        rule: 'allowedValueKeys',
        message: `plan ${plan.metadata.name} does not allow ${key}`,
      })),
    );
  }
}

/** The local cluster, or the cell placement chose (decision 0042); a retry finds the cell its first attempt chose. */
async function targetFor(deps: AppDeps, request: CreateTenantRequest, attempt: Attempt): Promise<CreateTarget> {
  if (!deps.cells) return { store: deps.tenants, release: () => Promise.resolve() };
  return deps.cells.targetForCreate({ name: request.name, region: request.region, idempotencyRecord: attempt.recordId }, keyReusedProblem);
}

async function createIn(
  target: CreateTarget,
  request: CreateTenantRequest,
  attempt: Attempt,
): Promise<{ tenant: Tenant; replayed: boolean }> {
  const { store } = target;
  const earlier = await earlierResult(store, attempt);
  if (earlier) return { tenant: earlier, replayed: true };
  await checkPlan(store, request);
  try {
    return { tenant: await store.create(tenantFrom(request, attempt)), replayed: false };
  } catch (error) {
    if (!isAlreadyExists(error)) throw error;
    // Another replica may have won the race for this very key: then this is a replay too.
    const winner = await earlierResult(store, attempt);
    if (winner) return { tenant: winner, replayed: true };
    throw tenantExistsProblem(request.name);
  }
}

async function createOrReplay(
  deps: AppDeps,
  request: CreateTenantRequest,
  attempt: Attempt,
): Promise<{ tenant: Tenant; replayed: boolean; target: CreateTarget }> {
  const target = await targetFor(deps, request, attempt);
  try {
    return { ...(await createIn(target, request, attempt)), target };
  } catch (error) {
    // No Tenant came of this attempt: its placement must not hold the name or the cell's room.
    await target.release();
    throw error;
  }
}

/** Records what the call changed; a placement commits with the outcome record (or at once without a trail). */
async function recordCreate(deps: AppDeps, response: Response, tenant: Tenant, target: CreateTarget): Promise<void> {
  const cell = target.cell === undefined ? [] : [{ field: 'cell', value: target.cell }];
  recordChanges(response, [...specChanges(tenant.spec), ...cell]);
  if (!target.confirmWithin) return;
  if (deps.auditTrail) recordAlongside(response, target.confirmWithin);
  else await deps.cells?.registry.confirmUnaudited(tenant.metadata.name);
}

export function createTenantHandler(deps: AppDeps, inFlight: InFlightRequests) {
  return async (request: Request, response: Response): Promise<void> => {
    const principal = requireAction(response, 'tenants:create');
    const key = parseIdempotencyKey(request.get('idempotency-key'));
    const body = parseOrRefuse(CreateTenantRequestSchema, bodyObject(request.body));
    const platformFields = platformFieldsSet(body);
    if (platformFields.length > 0 && !roleAllows(principal.role, 'tenants:set-platform-fields')) {
      const problem = forbidden('tenants:set-platform-fields', principal);
      throw new ApiProblem({ ...problem.init, errors: platformFields });
    }
    const attempt: Attempt = { recordId: idempotencyRecordId(principal.id, key), bodyHash: requestHash(request.body), principal };
    inFlight.begin(attempt.recordId);
    try {
      const { tenant, replayed, target } = await createOrReplay(deps, body, attempt);
      // A replay changed nothing: the call that created the Tenant recorded what it set.
      if (replayed) response.setHeader('Idempotent-Replayed', 'true');
      else await recordCreate(deps, response, tenant, target);
      response.status(202).location(`${tenantsPath}/${tenant.metadata.name}`).json(tenantSummary(tenant, tenantsPath));
    } finally {
      inFlight.end(attempt.recordId);
    }
  };
}
