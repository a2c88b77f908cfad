/**
 * The request pipeline around the routes: security headers, the JSON body limit, the per-caller
 * rate limit, a request log without bodies or tokens, and the error handler that turns every
 * failure into a problem response.
 */
import express, { type ErrorRequestHandler, type RequestHandler, type Response } from 'express';
import type { Logger } from '../runtime/logging.js';
import { errorFields } from '../runtime/logging.js';
import { principalOf } from './auth.js';
import { problemTypeLocal, requestIdHeader } from './audit-trail/record-mutations.js';
import { ApiProblem, sendProblem as send, type ProblemInit } from './problems.js';
import { rateLimitHeaders, type RateLimitStore } from './rate-limit/decision.js';
import { kubeProblem } from './validate.js';

export const maximumBodyBytes = 64 * 1024;

/** Headers for an API that serves JSON only: nothing to render, frame, sniff or cache. */
export const securityHeaders: RequestHandler = (_request, response, next) => {
  response.setHeader('X-Content-Type-Options', 'nosniff');
  response.setHeader('Cache-Control', 'no-store');
  response.setHeader('Content-Security-Policy', "default-src 'none'; frame-ancestors 'none'");
  response.setHeader('X-Frame-Options', 'DENY');
  response.setHeader('Referrer-Policy', 'no-referrer');
  response.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  next();
};

/** Parses JSON bodies up to the limit; a body that is not JSON is refused with 415. */
export function jsonBody(): RequestHandler[] {
  const parse = express.json({ limit: maximumBodyBytes, strict: true, type: ['application/json', 'application/merge-patch+json'] });
  const requireJson: RequestHandler = (request, _response, next) => {
    const hasBody = request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined;
    if (['POST', 'PATCH'].includes(request.method) && hasBody && !request.is(['application/json', 'application/merge-patch+json'])) {
      throw new ApiProblem({
        status: 415,
        type: 'unsupported-media-type',
        title: 'Unsupported media type',
        detail: 'Send the body as application/json.',
        errors: [{ field: 'Content-Type', rule: 'application/json' }],
      });
    }
    next();
  };
  return [requireJson, parse];
}

/** Takes one request from the caller's bucket; every answer says what is left (rate-limit/decision.ts). */
export function rateLimit(store: RateLimitStore): RequestHandler {
  return async (_request, response, next) => {
    const decision = await store.take(principalOf(response).id);
    const headers = rateLimitHeaders(decision);
    if (!decision.allowed) {
      throw new ApiProblem({
        status: 429,
        type: 'rate-limited',
        title: 'Too many requests',
        detail: `Slow down; retry in ${decision.retryAfterSeconds} s.`,
        errors: [{ field: 'Authorization', rule: 'rateLimit' }],
        headers,
      });
    }
    for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
    next();
  };
}

/**
 * One log line per request: method, route, status, caller id, the audit trail's request id (on
 * mutating calls) and duration. Never headers or bodies.
 */
export function requestLog(logger: Logger): RequestHandler {
  return (request, response, next) => {
    const started = process.hrtime.bigint();
    response.on('finish', () => {
      const principal = response.locals.principal as { id?: string } | undefined;
      logger.info('Handled request', {
        method: request.method,
        path: request.path.slice(0, 200),
        status: response.statusCode,
        caller: principal?.id,
        requestId: response.getHeader(requestIdHeader),
        durationMs: Number(process.hrtime.bigint() - started) / 1e6,
      });
    });
    next();
  };
}

/** body-parser's error types and the problem each becomes. */
const bodyErrors: Record<string, { status: number; type: string; title: string; rule: string }> = {
  'entity.too.large': { status: 413, type: 'body-too-large', title: 'Request body too large', rule: `maxBytes:${maximumBodyBytes}` },
  'entity.parse.failed': { status: 400, type: 'malformed-json', title: 'Malformed JSON', rule: 'json' },
  'encoding.unsupported': { status: 415, type: 'unsupported-encoding', title: 'Unsupported encoding', rule: 'utf-8' },
  'charset.unsupported': { status: 415, type: 'unsupported-charset', title: 'Unsupported charset', rule: 'utf-8' },
  'request.aborted': { status: 400, type: 'request-aborted', title: 'Request aborted', rule: 'complete' },
};

/** Sends the problem and leaves its type where the audit trail's outcome record reads it. */
function sendProblem(response: Response, init: ProblemInit): void {
  response.locals[problemTypeLocal] = init.type;
  send(response, init);
}

/**
 * A path parameter with a malformed percent-escape (`/v1/tenants/%zz`): express fails to decode it
 * while matching, so no route was reached and nothing changed.
 */
const malformedPath: ProblemInit = {
  status: 400,
  type: 'malformed-path',
  title: 'Malformed path',
  detail: 'The path holds a malformed percent-escape; no route was reached.',
  errors: [{ field: 'path', rule: 'percentEncoding' }],
};

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, _request, response, _next) => {
    if (error instanceof ApiProblem) return sendProblem(response, error.init);
    if (error instanceof URIError) return sendProblem(response, malformedPath);
    const refusedByKubernetes = kubeProblem(error);
    if (refusedByKubernetes) return sendProblem(response, refusedByKubernetes.init);
    const bodyError = bodyErrors[(error as { type?: string } | null)?.type ?? ''];
    if (bodyError) {
      return sendProblem(response, {
        ...bodyError,
        detail: `${bodyError.title}: the body was refused before it was read.`,
        errors: [{ field: 'body', rule: bodyError.rule }],
      });
    }
    logger.error('Request failed', errorFields(error));
    sendProblem(response, {
      status: 500,
      type: 'internal',
      title: 'Internal error',
      detail: 'The request failed on the server; it is safe to retry with the same Idempotency-Key.',
    });
  };
}

export const notFoundRoute: RequestHandler = (request) => {
  throw new ApiProblem({
    status: 404,
    type: 'not-found',
    title: 'Not found',
    detail: `No route for ${request.method} ${request.path.slice(0, 200)}.`,
  });
};
