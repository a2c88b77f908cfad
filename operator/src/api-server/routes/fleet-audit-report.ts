/**
 * GET /v1/fleet/audit-report: every registered cell's latest signed isolation report in one
 * document, each cell's bytes as it signed them, cells without a report listed with why
 * (cells/fleet-reports.ts, decision 0047). For auditors and platform admins (audit:read), as the
 * single-cluster report is. Without a cell registry it answers 404 `cells-not-configured`: the
 * cluster's own report is GET /v1/audit/report.
 */
import type { Request, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { ApiProblem } from '../problems.js';

export const fleetAuditReportPath = '/v1/fleet/audit-report';

export function fleetAuditReportHandler(deps: AppDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    if (!deps.fleetReports) {
      throw new ApiProblem({
        status: 404,
        type: 'cells-not-configured',
        title: 'Cells not configured',
        detail: 'This API has no cell registry, so there is no fleet; the isolation report of its cluster is GET /v1/audit/report.',
      });
    }
    response.json(await deps.fleetReports.read());
  };
}
