/**
 * The handler every mutating route starts with: it puts the call in the audit trail, refused and
 * failed calls included. It is part of the route itself, not a middleware that guesses from the
 * path which calls will change something: whatever spelling of a path express matched to a route,
 * the route's first handler records it, and a spelling no route matched reaches no handler and
 * changes nothing (decision 0013). guard.ts refuses to start an app with a mutating route that does
 * not begin with it.
 *
 * Fail closed: the `attempt` record is written before the rest of the route runs (before the body
 * is even parsed), and when it cannot be written the call is answered 503 and changes nothing. The
 * `outcome` record (status, problem type, and what changed) follows once the route has answered,
 * even to a client that hung up; if that write fails the change has already happened, so it is
 * logged as an error and the trail shows an attempt without an outcome, which an auditor can find.
 * Calls refused before the caller is known (401) or while it is rate limited (429) never reach a
 * route: they change nothing and name nobody, and recording them would let anyone fill the trail.
 */
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Logger } from '../../runtime/logging.js';
import { errorFields } from '../../runtime/logging.js';
import { principalOf } from '../auth.js';
import { ApiProblem } from '../problems.js';
import { TenantNameSchema } from '../schemas.js';
import { alongsideOf, changesOf } from './changes.js';
import type { AuditEntry, AuditOutcome } from './record.js';
import type { AuditTrail } from './store.js';

/** Where the error handler leaves the problem type it answered with, for the outcome record. */
export const problemTypeLocal = 'problemType';
export const requestIdHeader = 'X-Request-Id';

function validTenantName(value: unknown): string | null {
  const parsed = TenantNameSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/**
 * The template of the route express matched (`/v1/tenants/:name` becomes `/v1/tenants/{name}`, as
 * in the OpenAPI document). Outside a route there is none: that is a wiring mistake, and failing
 * the call (500, nothing changed) is the safe answer to it.
 */
export function routeTemplate(request: Request): string {
  const path = (request.route as { path?: unknown } | undefined)?.path;
  if (typeof path !== 'string') throw new Error('the audit trail recorder must be a route handler, not a middleware');
  return path.replace(/:(\w+)/g, '{$1}');
}

function outcomeOf(response: Response, clientLeft: boolean): AuditOutcome {
  const problemType = response.locals[problemTypeLocal] as string | undefined;
  // The client hung up before the answer: the status is what the route answered into the void.
  return { status: response.statusCode, problemType: problemType ?? (clientLeft ? 'connection-closed' : null) };
}

/**
 * Calls `record` once the route has answered, when what it changed is known: at 'close' if the
 * response was sent. A client can hang up first, and the route keeps running and may still change
 * something; recording then would claim it changed nothing. So the outcome waits for the route to
 * end its response (which goes nowhere), and says the client left.
 */
function onceAnswered(response: Response, record: (clientLeft: boolean) => void): void {
  response.once('close', () => {
    if (response.writableEnded) return record(false);
    const end = response.end.bind(response) as (...args: unknown[]) => Response;
    response.end = ((...args: unknown[]) => {
      const ended = end(...args);
      record(true);
      return ended;
    }) as Response['end'];
  });
}

function unavailable(): ApiProblem {
  return new ApiProblem({
    status: 503,
    type: 'audit-trail-unavailable',
    title: 'Audit trail unavailable',
    detail: 'The change was not made because it could not be recorded in the audit trail; retry later.',
    headers: { 'Retry-After': '5' },
  });
}

/** The tenant a call names: in the path, or for a POST of a tenant in the body (parsed after the attempt was recorded). */
function tenantOf(request: Request, fromPath: string | null): string | null {
  if (fromPath !== null || request.method !== 'POST' || routeTemplate(request) !== '/v1/tenants') return fromPath;
  return validTenantName((request.body as { name?: unknown } | undefined)?.name);
}

export interface RecordMutationsOptions {
  /** null when the configuration says `auditTrail: {disabled: true}`: the recorder then records nothing. */
  trail: AuditTrail | null;
  logger: Logger;
  clock: () => Date;
}

/** Records an attempt, and its outcome once the route has answered; see the top of this file. */
function recordCall({ trail, logger, clock }: RecordMutationsOptions & { trail: AuditTrail }): RequestHandler {
  return async (request, response, next) => {
    const principal = principalOf(response);
    const requestId = randomUUID();
    response.setHeader(requestIdHeader, requestId);
    const route = routeTemplate(request);
    const tenant = validTenantName(request.params.name);
    const entry = (outcome: AuditOutcome | null, tenantName: string | null, changes: AuditEntry['changes']): AuditEntry => ({
      time: clock(),
      phase: outcome ? 'outcome' : 'attempt',
      actorId: principal.id,
      actorRole: principal.role,
      method: request.method,
      route,
      tenant: tenantName,
      requestId,
      outcome,
      changes,
    });
    const attempted = trail.append(entry(null, tenant, null)).then(
      () => true,
      (error: unknown) => {
        logger.error('Refused a change: the audit trail could not be written', { requestId, ...errorFields(error) });
        return false;
      },
    );
    // Listening before the attempt is written: the client may hang up while it is.
    onceAnswered(response, (clientLeft) => {
      const outcome = entry(outcomeOf(response, clientLeft), tenantOf(request, tenant), changesOf(response));
      void attempted
        .then((written) => (written ? trail.append(outcome, alongsideOf(response)) : undefined))
        .catch((error: unknown) => {
          logger.error('Could not record the outcome of a change in the audit trail', {
            requestId,
            status: response.statusCode,
            ...errorFields(error),
          });
        });
    });
    if (!(await attempted)) throw unavailable();
    next();
  };
}

/**
 * The one recorder of an app: put it first on every route that may change something. It is one
 * function value so that guard.ts can tell it apart from any other handler.
 */
export function changeRecorder(options: RecordMutationsOptions): RequestHandler {
  const { trail } = options;
  if (!trail) return (_request, _response, next) => next();
  return recordCall({ ...options, trail });
}
