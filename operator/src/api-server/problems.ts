/**
 * RFC 9457 problem details: the one shape every error of the onboarding API takes. Each problem
 * names a type URI, a short title, the status, a human detail and `errors: [{field, rule}]` so a
 * client can point at the field and the rule it broke without parsing prose.
 */
import type { Response } from 'express';
import type { z } from 'zod';

export const problemContentType = 'application/problem+json';
const typeBase = 'https://bulkhead.dev/problems/';

export interface FieldError {
  /** A dotted path into the request (`spec.owners.0.name`), or a header / query name. */
  field: string;
  /** The rule broken: a zod issue code, or one of Bulkhead's own (`forbiddenForRole`, `mustMatch`, ...). */
  rule: string;
  message?: string;
}

export interface ProblemInit {
  status: number;
  /** The slug after the type base URI, e.g. `validation-failed`. */
  type: string;
  title: string;
  detail: string;
  errors?: FieldError[];
  /** Extra response headers (Retry-After, WWW-Authenticate). */
  headers?: Record<string, string>;
}

/** A refusal the routes throw; the error handler turns it into a problem response. */
export class ApiProblem extends Error {
  readonly init: ProblemInit;

  constructor(init: ProblemInit) {
    super(init.detail);
    this.name = 'ApiProblem';
    this.init = init;
  }
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors: FieldError[];
}

export function problemBody(init: ProblemInit, instance?: string): ProblemBody {
  return {
    type: `${typeBase}${init.type}`,
    title: init.title,
    status: init.status,
    detail: init.detail,
    ...(instance ? { instance } : {}),
    errors: init.errors ?? [],
  };
}

export function sendProblem(response: Response, init: ProblemInit): void {
  for (const [name, value] of Object.entries(init.headers ?? {})) response.setHeader(name, value);
  response
    .status(init.status)
    .type(problemContentType)
    .send(JSON.stringify(problemBody(init, response.req.originalUrl)));
}

/** zod issues as field errors; `prefix` places them in the request (`body`, `query`). */
export function fieldErrorsFromZod(error: z.ZodError, prefix?: string): FieldError[] {
  return error.issues
    .map((issue) => {
      const path = issue.path.map(String);
      // An unrecognized key names the key itself, so the client sees which field was refused.
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((key) => ({
        field: [prefix, ...path, key].filter((part) => part !== undefined && part !== '').join('.') || '(root)',
        rule: issue.code === 'custom' ? 'invalid' : issue.code,
        message: issue.message,
      }));
    })
    .flat();
}

export function validationProblem(
  errors: FieldError[],
  detail = 'The request is not valid; see errors for each field and rule.',
): ApiProblem {
  return new ApiProblem({ status: 422, type: 'validation-failed', title: 'Validation failed', detail, errors });
}

export function notFoundProblem(what: string): ApiProblem {
  return new ApiProblem({ status: 404, type: 'not-found', title: 'Not found', detail: `${what} does not exist.` });
}
