/** Parsing a request part with a zod schema, refusing with a 422 problem that names each field. */
import type { z } from 'zod';
import { ApiProblem, fieldErrorsFromZod, validationProblem } from './problems.js';
import { KubeApiError } from '../kube/errors.js';

export function parseOrRefuse<T extends z.ZodType>(schema: T, value: unknown, prefix?: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw validationProblem(fieldErrorsFromZod(result.error, prefix));
  return result.data;
}

/** The body must be a JSON object (express leaves it undefined when none was sent). */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw validationProblem([{ field: 'body', rule: 'object' }], 'The body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

/** kube-apiserver refusals the client caused, as problems; anything else is rethrown (500). */
export function kubeProblem(error: unknown): ApiProblem | undefined {
  if (!(error instanceof KubeApiError)) return undefined;
  const causes = error.status.details?.causes ?? [];
  const errors = causes.map((cause) => ({
    field: (cause.field ?? 'body').replace(/^spec\./, ''),
    rule: cause.reason ?? 'invalid',
    message: cause.message,
  }));
  const detail = (error.status.message ?? error.message).slice(0, 1000);
  if (error.code === 422) return validationProblem(errors, detail);
  if (error.code === 409) return new ApiProblem({ status: 409, type: 'conflict', title: 'Conflict', detail, errors });
  return undefined;
}
