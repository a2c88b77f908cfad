/**
 * The fleet report from what was read in each cell, without I/O: each cell's signed bytes carried
 * as they are, the cell's summary read from them, and every cell that gave no report listed with
 * why. The summary is derived from the entries alone, so verify.ts can derive it again.
 */
import type { SignedReport } from '../report/schema.js';
import { digestOf } from '../report/signing.js';
import { parseReport } from '../report/verify.js';
import { errorMessage } from '../../runtime/errors.js';
import {
  fleetCellStatuses,
  fleetReportFormat,
  type FleetAuditReport,
  type FleetCell,
  type FleetCellReport,
  type FleetSummary,
} from './schema.js';

export interface FleetCellRef {
  name: string;
  regions: string[];
}

/** What reading one cell's published report gave. */
export type CellRead =
  | { cell: FleetCellRef; outcome: 'published'; bytes: Buffer }
  | { cell: FleetCellRef; outcome: 'missing' | 'unreachable' | 'unreadable'; detail: string };

export interface FleetOptions {
  generatedAt: Date;
  staleAfterSeconds: number;
}

/** The entry's summary of a report, from the report itself (verify.ts derives it again from verified bytes). */
export function cellReportOf(bytes: Buffer, report: SignedReport): FleetCellReport {
  const rows = report.summary.byTenant;
  const failed = rows.filter((row) => row.fail + row.error > 0).length;
  return {
    signedReport: bytes.toString('base64'),
    digest: digestOf(bytes),
    keyId: report.signature.keyId,
    generatedAt: report.generatedAt,
    result: report.summary.result,
    tenants: rows.length,
    passed: rows.length - failed,
    failed,
    findings: report.summary.findings,
  };
}

/** Whether a report generated at `reportedAt` is stale in a fleet report generated at `generatedAt`. */
export function isStale(reportedAt: string, { generatedAt, staleAfterSeconds }: FleetOptions): boolean {
  return Date.parse(reportedAt) < generatedAt.getTime() - staleAfterSeconds * 1000;
}

export function fleetCellOf(read: CellRead, options: FleetOptions): FleetCell {
  const { name, regions } = read.cell;
  if (read.outcome !== 'published') return { name, regions, status: read.outcome, detail: read.detail };
  let report: SignedReport;
  try {
    report = parseReport(read.bytes);
  } catch (error) {
    return { name, regions, status: 'unreadable', detail: `the published report is not a Bulkhead audit report: ${errorMessage(error)}` };
  }
  if (report.scope.kind !== 'all')
    return { name, regions, status: 'unreadable', detail: 'the published report covers one tenant, not the whole cell' };
  const status = isStale(report.generatedAt, options) ? 'stale' : 'reported';
  return { name, regions, status, report: cellReportOf(read.bytes, report) };
}

/** The counts and overall result of a fleet report's entries. */
export function summarizeFleet(cells: readonly FleetCell[]): FleetSummary {
  const byStatus = Object.fromEntries(
    fleetCellStatuses.map((status) => [status, cells.filter((cell) => cell.status === status).length]),
  ) as Record<FleetCell['status'], number>;
  const carried = cells.flatMap((cell) => (cell.report ? [cell.report] : []));
  const result = carried.some((report) => report.result === 'fail')
    ? 'fail'
    : byStatus.reported === cells.length && cells.length > 0
      ? 'pass'
      : 'incomplete';
  return { cells: cells.length, ...byStatus, tenants: carried.reduce((sum, report) => sum + report.tenants, 0), result };
}

export function buildFleetReport(reads: readonly CellRead[], options: FleetOptions): FleetAuditReport {
  const cells = [...reads]
    .sort((a, b) => (a.cell.name < b.cell.name ? -1 : a.cell.name > b.cell.name ? 1 : 0))
    .map((read) => fleetCellOf(read, options));
  return {
    format: fleetReportFormat,
    generatedAt: options.generatedAt.toISOString(),
    staleAfterSeconds: options.staleAfterSeconds,
    summary: summarizeFleet(cells),
    cells,
  };
}
