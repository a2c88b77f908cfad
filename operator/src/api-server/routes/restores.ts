/**
 * POST /v1/tenants/{name}/restores and GET /v1/tenants/{name}/restores/{restore}: a restore of one
 * of the tenant's backups (or, for a platform admin with a recorded reason, another tenant's) as a
 * TenantRestore the operator carries out, and its progress. Checks, in order: the caller may
 * restore; the Idempotency-Key; the body; the cross-tenant fields against the role; a retry
 * replays; the target exists and is not being deleted; the source lists the backup and lives in
 * the target's cell. With cells the TenantRestore is made and read in the tenant's cell, where its
 * operator carries it out (docs/cells.md). Decision 0041 says why the API may now ask for a
 * restore, and why into a suspended tenant too; decision 0046 why not across cells.
 */
import type { Request, Response } from 'express';
import type { Tenant } from '../../api/index.js';
import type { TenantRestore } from '../../api/tenant-restore.js';
import { isAlreadyExists } from '../../kube/errors.js';
import { recordChanges } from '../audit-trail/changes.js';
import type { FieldChange } from '../audit-trail/record.js';
import { forbidden, requireAction } from '../auth.js';
import { restoreStoreFor, tenantStoreFor, tenantsPath, type AppDeps } from '../deps.js';
import {
  idempotencyRecordId,
  keyReusedProblem,
  parseIdempotencyKey,
  requestHash,
  requestHashAnnotation,
  type InFlightRequests,
} from '../idempotency.js';
import { ApiProblem, notFoundProblem, validationProblem, type FieldError } from '../problems.js';
import { CreateRestoreRequestSchema, type CreateRestoreRequest } from '../restore-schemas.js';
import type { RestoreStore } from '../restore-store.js';
import { restorePath, restoreSummary, tenantRestoreFor, type RestoreAttempt } from '../restore-summary.js';
import { roleAllows, type Principal } from '../roles.js';
import { bodyObject, parseOrRefuse } from '../validate.js';
import { readTenantOr404, tenantNameParam } from './read-tenants.js';

/** Fields only a platform admin may set: they open another tenant's backup. */
function crossTenantFields(request: CreateRestoreRequest, target: string): FieldError[] {
  const fields = [
    ...(request.fromTenant !== undefined && request.fromTenant !== target ? ['fromTenant'] : []),
    ...(request.crossTenantOverride !== undefined ? ['crossTenantOverride'] : []),
  ];
  return fields.map((field) => ({ field, rule: 'forbiddenForRole', message: `only platform-admin may set ${field}` }));
}

function refuseCrossTenantFields(request: CreateRestoreRequest, target: string, principal: Principal): void {
  const fields = crossTenantFields(request, target);
  if (fields.length === 0 || roleAllows(principal.role, 'tenants:restore-cross-tenant')) return;
  throw new ApiProblem({ ...forbidden('tenants:restore-cross-tenant', principal).init, errors: fields });
}

/**
 * The target may take a restore unless it is being deleted. A suspended tenant may: nothing can
 * write to its database meanwhile (its role may not log in, its app is scaled to zero), which is
 * why docs/operator.md suggests suspending before a restore (decision 0041).
 */
function checkTarget(target: Tenant): void {
  if (!target.metadata.deletionTimestamp) return;
  const name = target.metadata.name;
  throw new ApiProblem({
    status: 409,
    type: 'tenant-deleting',
    title: 'Tenant is being deleted',
    detail: `The tenant ${name} is being deleted and can no longer change.`,
    errors: [{ field: 'name', rule: 'notDeleting' }],
  });
}

/** The tenant whose backup is restored, checked to list `backupId`; 422 naming the field otherwise. */
async function sourceOf(deps: AppDeps, request: CreateRestoreRequest, target: Tenant): Promise<Tenant> {
  const fromTenant = request.fromTenant ?? target.metadata.name;
  if (fromTenant !== target.metadata.name && request.crossTenantOverride === undefined) {
    throw validationProblem([
      { field: 'crossTenantOverride', rule: 'requiredWithFromTenant', message: `restoring a backup of ${fromTenant} needs a reason` },
    ]);
  }
  const source = fromTenant === target.metadata.name ? target : await otherTenant(deps, fromTenant, target.metadata.name);
  if (!(source.status?.backups?.latest ?? []).some((backup) => backup.id === request.backupId)) {
    throw validationProblem([
      {
        field: 'backupId',
        rule: 'listedBackup',
        message: `tenant ${fromTenant} lists no backup ${request.backupId}; GET ${tenantsPath}/${fromTenant}/backups lists them`,
      },
    ]);
  }
  return source;
}

/** Another tenant as a restore's source, read from its cell: 422 when there is none, 409 when it lives in another cell. */
async function otherTenant(deps: AppDeps, fromTenant: string, target: string): Promise<Tenant> {
  const source = await (await tenantStoreFor(deps, fromTenant)).get(fromTenant);
  if (!source) throw validationProblem([{ field: 'fromTenant', rule: 'exists', message: `no tenant named ${fromTenant}` }]);
  await refuseAcrossCells(deps, fromTenant, target);
  return source;
}

/**
 * A backup of a tenant in another cell is not restored: the restore runs in the target's cell,
 * whose operator neither knows the source Tenant nor may open its key in the other cell's
 * account and region (decision 0046).
 */
async function refuseAcrossCells(deps: AppDeps, fromTenant: string, target: string): Promise<void> {
  if (!deps.cells) return;
  const [sourceCell, targetCell] = await Promise.all([deps.cells.cellOf(fromTenant), deps.cells.cellOf(target)]);
  if (sourceCell === targetCell) return;
  const where = (cell: string | undefined) => (cell ? `cell ${cell}` : "the API's own cluster");
  throw new ApiProblem({
    status: 409,
    type: 'cross-cell-restore',
    title: 'Restore across cells',
    detail: `The tenant ${fromTenant} lives in ${where(sourceCell)} and ${target} in ${where(targetCell)}: a backup is restored only into a tenant of its own cell. Nothing was changed.`,
    errors: [{ field: 'fromTenant', rule: 'sameCell', message: `${fromTenant} is not in ${where(targetCell)}` }],
  });
}

/** The restore an earlier attempt with this key created, if any; 422 if it was for another request. */
async function earlierRestore(store: RestoreStore, attempt: RestoreAttempt): Promise<TenantRestore | undefined> {
  const earlier = await store.get(attempt.name);
  if (earlier && earlier.metadata.annotations?.[requestHashAnnotation] !== attempt.bodyHash) throw keyReusedProblem();
  return earlier;
}

async function createOrReplay(
  deps: AppDeps,
  request: CreateRestoreRequest,
  target: string,
  attempt: RestoreAttempt,
): Promise<{ restore: TenantRestore; replayed: boolean }> {
  // The tenant's cell holds its restores (docs/cells.md), where its operator carries them out.
  const restores = await restoreStoreFor(deps, target);
  const earlier = await earlierRestore(restores, attempt);
  if (earlier) return { restore: earlier, replayed: true };
  const tenant = await readTenantOr404(await tenantStoreFor(deps, target), target);
  checkTarget(tenant);
  const source = await sourceOf(deps, request, tenant);
  try {
    return { restore: await restores.create(tenantRestoreFor(request, target, source, attempt)), replayed: false };
  } catch (error) {
    // Another replica won the race for this very key: a replay too.
    const winner = isAlreadyExists(error) ? await earlierRestore(restores, attempt) : undefined;
    if (winner) return { restore: winner, replayed: true };
    throw error;
  }
}

/** What the audit trail records of a restore: which backup, whose, into which TenantRestore, and why if cross-tenant. */
function restoreChanges(restore: TenantRestore): FieldChange[] {
  const { backup, crossTenantOverride } = restore.spec;
  return [
    { field: 'restore.id', value: restore.metadata.name },
    { field: 'restore.backupId', value: backup.id },
    { field: 'restore.fromTenant', value: backup.fromTenant ?? restore.spec.tenant },
    ...(crossTenantOverride ? [{ field: 'restore.crossTenantOverride.reason', value: crossTenantOverride.reason }] : []),
  ];
}

export function createRestoreHandler(deps: AppDeps, inFlight: InFlightRequests) {
  return async (request: Request, response: Response): Promise<void> => {
    const principal = requireAction(response, 'tenants:restore');
    const key = parseIdempotencyKey(request.get('idempotency-key'));
    const target = tenantNameParam(request);
    const body = parseOrRefuse(CreateRestoreRequestSchema, bodyObject(request.body));
    refuseCrossTenantFields(body, target, principal);
    const recordId = idempotencyRecordId(principal.id, key);
    // The path's tenant is part of the request: the same key for another tenant is another request.
    const attempt: RestoreAttempt = {
      name: `restore-${recordId.slice(0, 24)}`,
      bodyHash: requestHash({ tenant: target, body: request.body as unknown }),
      principalId: principal.id,
    };
    inFlight.begin(recordId);
    try {
      const { restore, replayed } = await createOrReplay(deps, body, target, attempt);
      if (replayed) response.setHeader('Idempotent-Replayed', 'true');
      else recordChanges(response, restoreChanges(restore));
      response
        .status(202)
        .location(restorePath(tenantsPath, target, restore.metadata.name))
        .json(restoreSummary(restore, tenantsPath));
    } finally {
      inFlight.end(recordId);
    }
  };
}

const restoreNamePattern = /^[a-z0-9]([-a-z0-9]{0,251}[a-z0-9])?$/;

export function getRestoreHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    const tenant = tenantNameParam(request);
    const id = String(request.params.restore);
    const restore = restoreNamePattern.test(id) ? await (await restoreStoreFor(deps, tenant)).get(id) : undefined;
    // Another tenant's restore is not found under this one.
    if (!restore || restore.spec.tenant !== tenant)
      throw notFoundProblem(`The restore ${JSON.stringify(id.slice(0, 64))} of tenant ${tenant}`);
    response.json(restoreSummary(restore, tenantsPath));
  };
}
