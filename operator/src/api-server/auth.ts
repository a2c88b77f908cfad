/**
 * Authentication and authorization middleware. A bearer token is either a Bulkhead API token
 * (`bht_...`, checked against the hashed tokens) or, when OIDC is configured, a JWT. Every /v1 route
 * then names the action it needs; the caller's role must grant it.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { TokenRefused, type JwtVerifier } from './oidc.js';
import { ApiProblem } from './problems.js';
import { roleAllows, type Action, type Principal } from './roles.js';
import { tokenPrefix } from './token-hash.js';
import type { TokenStore } from './token-store.js';

export interface Authenticators {
  tokens: TokenStore;
  jwt?: JwtVerifier;
}

/** 401; `error` is RFC 6750's code, `rule` the one the problem names (by default from the code). */
function unauthorized(detail: string, error = 'invalid_token', rule?: string): ApiProblem {
  return new ApiProblem({
    status: 401,
    type: 'unauthorized',
    title: 'Unauthorized',
    detail,
    errors: [{ field: 'Authorization', rule: rule ?? (error === 'invalid_request' ? 'required' : 'validBearerToken') }],
    headers: { 'WWW-Authenticate': `Bearer realm="bulkhead", error="${error}"` },
  });
}

function bearerToken(request: Request): string {
  const header = request.get('authorization');
  if (!header) throw unauthorized('Send an API token as "Authorization: Bearer <token>".', 'invalid_request');
  const match = /^Bearer ([\x21-\x7e]{1,8192})$/i.exec(header.trim());
  if (!match?.[1]) throw unauthorized('The Authorization header must be "Bearer <token>".', 'invalid_request');
  return match[1];
}

async function verify(token: string, authenticators: Authenticators): Promise<Principal | undefined> {
  if (token.startsWith(tokenPrefix)) return authenticators.tokens.verify(token);
  try {
    return authenticators.jwt ? await authenticators.jwt(token) : undefined;
  } catch (error) {
    if (error instanceof TokenRefused) throw unauthorized(error.message, 'invalid_token', error.rule);
    throw error;
  }
}

export function principalOf(response: Response): Principal {
  const principal = response.locals.principal as Principal | undefined;
  if (!principal) throw new Error('route reached without authentication');
  return principal;
}

/** Puts the caller in `response.locals.principal`, or answers 401. */
export function authenticate(authenticators: Authenticators): RequestHandler {
  return async (request: Request, response: Response, next: NextFunction) => {
    const principal = await verify(bearerToken(request), authenticators);
    if (!principal) throw unauthorized('The token is unknown, revoked, expired or not valid for this API.');
    response.locals.principal = principal;
    next();
  };
}

export function forbidden(action: Action, principal: Principal, field = 'role'): ApiProblem {
  return new ApiProblem({
    status: 403,
    type: 'forbidden',
    title: 'Forbidden',
    detail: `The role ${principal.role} may not ${action.replace(':', ' ')}.`,
    errors: [{ field, rule: 'forbiddenForRole' }],
  });
}

/** Throws 403 unless the caller's role grants `action`. */
export function requireAction(response: Response, action: Action): Principal {
  const principal = principalOf(response);
  if (!roleAllows(principal.role, action)) throw forbidden(action, principal);
  return principal;
}

/** Route-level guard for actions that do not depend on the request body. */
export function allow(action: Action): RequestHandler {
  return (_request, response, next) => {
    requireAction(response, action);
    next();
  };
}
