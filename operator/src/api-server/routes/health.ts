/** /healthz (the process answers) and /readyz (Kubernetes answers too); unauthenticated, for probes. */
import type { Request, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { errorFields } from '../../runtime/logging.js';

export function healthzHandler(_request: Request, response: Response): void {
  response.json({ status: 'ok' });
}

export function readyzHandler(deps: AppDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    try {
      await deps.tenants.list({ limit: 1 });
      response.json({ status: 'ok' });
    } catch (error) {
      deps.logger.warn('Readiness check failed', errorFields(error));
      response.status(503).json({ status: 'unavailable' });
    }
  };
}
