/**
 * The express middleware that puts every mutating call on /v1/tenants in the audit trail, refused
 * and failed ones included. Fail closed: the `attempt` record is written before the route runs,
 * and when it cannot be written the call is answered 503 and changes nothing. The `outcome`
 * record (status and problem type) follows once the response is sent; if that write fails the
 * change has already happened, so it is logged as an error and the trail shows an attempt without
 * an outcome, which an auditor can find. Reads are not recorded, nor are calls refused before the
 * caller is known (401) or while it is rate limited (429): those change nothing and name nobody,
 * and recording them would let anyone fill the trail.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../runtime/logging.js';
import { errorFields } from '../../runtime/logging.js';
import { principalOf } from '../auth.js';
import { tenantsPath } from '../deps.js';
import { ApiProblem } from '../problems.js';
import { TenantNameSchema } from '../schemas.js';
import { changesOf } from './changes.js';
import type { AuditEntry, AuditOutcome } from './record.js';
import type { AuditTrail } from './store.js';

const mutatingMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Where the error handler leaves the problem type it answered with, for the outcome record. */
export const problemTypeLocal = 'problemType';
export const requestIdHeader = 'X-Request-Id';

function validTenantName(value: unknown): string | null {
  const parsed = TenantNameSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The route template and tenant a path names; other paths are recorded as they came (cut short). */
export function routeOf(path: string): { route: string; tenant: string | null } {
  if (path === tenantsPath || path === `${tenantsPath}/`) return { route: tenantsPath, tenant: null };
  const match = /^\/v1\/tenants\/([^/]+)\/?$/.exec(path);
  if (!match?.[1]) return { route: path.slice(0, 200), tenant: null };
  let segment = match[1];
  try {
    segment = decodeURIComponent(segment);
  } catch {
    // A malformed escape is recorded as no tenant: the route answers 404 to it.
  }
  return { route: `${tenantsPath}/{name}`, tenant: validTenantName(segment) };
}

function outcomeOf(response: Response): AuditOutcome {
  const problemType = response.locals[problemTypeLocal] as string | undefined;
  // A connection closed before the response was sent: the route may still have acted.
  if (!response.writableFinished) return { status: response.statusCode, problemType: problemType ?? 'connection-closed' };
  return { status: response.statusCode, problemType: problemType ?? null };
}

function unavailable(): ApiProblem {
  return new ApiProblem({ status: 503, type: 'audit-trail-unavailable', title: 'Audit trail unavailable',
    detail: 'The change was not made because it could not be recorded in the audit trail; retry later.',
    headers: { 'Retry-After': '5' } });
}

export interface RecordMutationsOptions {
  trail: AuditTrail;
  logger: Logger;
  clock: () => Date;
}

export function recordMutations({ trail, logger, clock }: RecordMutationsOptions): RequestHandler {
  const isAudited = (request: Request) => mutatingMethods.has(request.method) && (request.path === tenantsPath || request.path.startsWith(`${tenantsPath}/`));
  return async (request, response, next) => {
    if (!isAudited(request)) return next();
    const principal = principalOf(response);
    const requestId = randomUUID();
    response.setHeader(requestIdHeader, requestId);
    const { route, tenant } = routeOf(request.path);
    const entry = (phase: AuditEntry['phase'], outcome: AuditOutcome | null, tenantName: string | null): AuditEntry => ({
      time: clock(), phase, actorId: principal.id, actorRole: principal.role, method: request.method, route, tenant: tenantName, requestId, outcome,
      changes: outcome ? changesOf(response) : null,
    });
    try {
      await trail.append(entry('attempt', null, tenant));
    } catch (error) {
      logger.error('Refused a change: the audit trail could not be written', { requestId, ...errorFields(error) });
      throw unavailable();
    }
    response.once('close', () => {
      // A POST names its tenant in the body, parsed only after the attempt was recorded.
      const tenantName = tenant ?? (request.method === 'POST' ? validTenantName((request.body as { name?: unknown } | undefined)?.name) : null);
      trail.append(entry('outcome', outcomeOf(response), tenantName)).catch((error: unknown) => {
        logger.error('Could not record the outcome of a change in the audit trail', { requestId, status: response.statusCode, ...errorFields(error) });
      });
    });
    next();
  };
}
