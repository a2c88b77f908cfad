/**
 * Errors from kube-apiserver, classified the way controllers need them: not found, conflict,
 * gone (resourceVersion too old), invalid (the server refused the object; retrying will not
 * help), forbidden, and transient (worth a retry).
 */
export interface Status {
  kind?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

export class KubeApiError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly status: Status;

  constructor(status: Status, context: string) {
    super(`${context}: ${status.message ?? status.reason ?? `HTTP ${status.code}`}`);
    this.name = 'KubeApiError';
    this.code = status.code ?? 0;
    this.reason = status.reason ?? '';
    this.status = status;
  }

  static fromResponse(code: number, text: string, spec: { method: string; path: string }): KubeApiError {
    let status: Status = { code, message: text.slice(0, 500) };
    try {
      const parsed = JSON.parse(text) as Status;
      if (parsed.kind === 'Status') status = { ...parsed, code };
    } catch {
      // not JSON: keep the text
    }
    return new KubeApiError(status, `${spec.method} ${spec.path}`);
  }
}

const codeOf = (error: unknown): number | undefined => (error instanceof KubeApiError ? error.code : undefined);

export const isNotFound = (error: unknown): boolean => codeOf(error) === 404;
export const isConflict = (error: unknown): boolean => codeOf(error) === 409;
export const isGone = (error: unknown): boolean => codeOf(error) === 410;
export const isForbidden = (error: unknown): boolean => codeOf(error) === 403;
export const isInvalid = (error: unknown): boolean => codeOf(error) === 422;
export const isAlreadyExists = (error: unknown): boolean =>
  error instanceof KubeApiError && error.code === 409 && error.reason === 'AlreadyExists';

/** Refusals that will not change by retrying the same request. */
export const isPermanent = (error: unknown): boolean =>
  isInvalid(error) || codeOf(error) === 400 || (isForbidden(error) && !/quota|exceeded/i.test((error as Error).message));

/** A write refused by a ValidatingAdmissionPolicy; the message names the policy and its rule. */
export const admissionRefused = (error: unknown): boolean =>
  error instanceof KubeApiError && /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/.test(error.message);
