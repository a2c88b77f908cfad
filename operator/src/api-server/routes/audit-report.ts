/**
 * GET /v1/audit/report: the latest isolation audit report the operator published, byte for byte as
 * it was signed, so an auditor can check it with `bulkhead audit verify` against the key they
 * trust. 404 until the operator's first periodic audit has published one.
 */
import type { Request, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { ApiProblem } from '../problems.js';

export function latestAuditReportHandler(deps: AppDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    const report = await deps.auditReports?.latest();
    if (report === undefined) {
      throw new ApiProblem({
        status: 404,
        type: 'no-audit-report',
        title: 'No audit report yet',
        detail: 'The operator has not published an isolation audit report yet; it does after its first periodic audit.',
      });
    }
    response.type('application/json').send(report);
  };
}
