/**
 * verifyFleetReport: does this fleet report carry, for every cell the auditor names, either that
 * cell's report unchanged since the cell's own key signed it, or a mark saying why it has none?
 *
 * The auditor brings the list of cells and each cell's trusted keys (obtained from each cell's
 * operators, not from the report). That list, not the document, says which cells must be there:
 * the document is not signed (decision 0047), so a cell dropped from it is found because the
 * auditor named it, and a cell the auditor did not name is refused rather than trusted. Each
 * carried report is verified as `bulkhead audit verify` verifies a file, against that cell's keys
 * only, so a report moved from one cell's entry to another's fails; its digest and every summary
 * field of its entry are derived again from the verified bytes, and the fleet summary from the
 * entries, so nothing the unsigned envelope says goes unchecked.
 */
import canonicalize from 'canonicalize';
import { errorMessage } from '../../runtime/errors.js';
import { digestOf } from '../report/signing.js';
import { verifyTrusted } from '../report/trust.js';
import type { TrustedKey } from '../report/verify.js';
import { cellReportOf, isStale, summarizeFleet } from './build.js';
import { FleetAuditReportSchema, type FleetAuditReport, type FleetCell, type FleetCellReport } from './schema.js';

/** Per cell name, the keys its reports may be signed by. */
export type FleetTrust = ReadonlyMap<string, readonly TrustedKey[]>;

export type VerifiedCell = { name: string; status: FleetCell['status'] } & (
  { verified: true; report: FleetCellReport } | { verified: false; detail: string }
);

export type FleetVerification =
  { ok: true; report: FleetAuditReport; cells: VerifiedCell[]; complete: boolean } | { ok: false; reason: string };

class FleetProblem extends Error {}

export function verifyFleetReport(bytes: Uint8Array, trust: FleetTrust): FleetVerification {
  try {
    const report = parseFleet(bytes);
    requireSameCells(report, trust);
    const cells = report.cells.map((cell) => verifyCell(cell, trust.get(cell.name) ?? [], report));
    if (canonicalize(summarizeFleet(report.cells)) !== canonicalize(report.summary))
      throw new FleetProblem('the summary does not match the cells it summarizes');
    return { ok: true, report, cells, complete: cells.every((cell) => cell.status === 'reported') };
  } catch (error) {
    return { ok: false, reason: errorMessage(error) };
  }
}

function parseFleet(bytes: Uint8Array): FleetAuditReport {
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    throw new FleetProblem(`not JSON text: ${errorMessage(error)}`);
  }
  const result = FleetAuditReportSchema.safeParse(parsed);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new FleetProblem(
      `not a fleet audit report: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'schema mismatch'}`,
    );
  }
  return result.data;
}

/** Exactly the cells the auditor named, each once. */
function requireSameCells(report: FleetAuditReport, trust: FleetTrust): void {
  const names = report.cells.map((cell) => cell.name);
  const repeated = names.find((name, index) => names.indexOf(name) !== index);
  if (repeated !== undefined) throw new FleetProblem(`cell ${repeated} is listed more than once`);
  const dropped = [...trust.keys()].filter((name) => !names.includes(name));
  if (dropped.length > 0)
    throw new FleetProblem(`cell ${dropped.join(', ')} is not in the fleet report at all: left out without being marked`);
  const unknown = names.filter((name) => !trust.has(name));
  if (unknown.length > 0) throw new FleetProblem(`cell ${unknown.join(', ')} is in the fleet report but no trusted key was given for it`);
}

/** The carried report verified against the cell's keys, and its entry against it; its signed generatedAt. */
function verifyCarried(name: string, entry: FleetCellReport, keys: readonly TrustedKey[]): string {
  const bytes = Buffer.from(entry.signedReport, 'base64');
  if (bytes.toString('base64') !== entry.signedReport) throw new FleetProblem(`cell ${name}: signedReport is not canonical base64`);
  if (digestOf(bytes) !== entry.digest)
    throw new FleetProblem(`cell ${name}: the report's digest is ${digestOf(bytes)}, but its entry says ${entry.digest}`);
  const verification = verifyTrusted(bytes, keys);
  if (!verification.ok) throw new FleetProblem(`cell ${name}: signature invalid: ${verification.reason}`);
  if (verification.report.scope.kind !== 'all') throw new FleetProblem(`cell ${name}: the report covers one tenant, not the cell`);
  if (canonicalize(cellReportOf(bytes, verification.report)) !== canonicalize(entry))
    throw new FleetProblem(`cell ${name}: its entry's summary does not match its signed report`);
  return verification.report.generatedAt;
}

function verifyCell(cell: FleetCell, keys: readonly TrustedKey[], fleet: FleetAuditReport): VerifiedCell {
  const carries = cell.status === 'reported' || cell.status === 'stale';
  if (!carries) {
    if (cell.report) throw new FleetProblem(`cell ${cell.name} is marked ${cell.status} but carries a report`);
    return { name: cell.name, status: cell.status, verified: false, detail: cell.detail ?? '' };
  }
  if (!cell.report) throw new FleetProblem(`cell ${cell.name} is marked ${cell.status} but carries no report`);
  const generatedAt = verifyCarried(cell.name, cell.report, keys);
  const stale = isStale(generatedAt, { generatedAt: new Date(fleet.generatedAt), staleAfterSeconds: fleet.staleAfterSeconds });
  if (stale !== (cell.status === 'stale'))
    throw new FleetProblem(`cell ${cell.name} is marked ${cell.status}, but its report of ${generatedAt} is ${stale ? '' : 'not '}stale`);
  return { name: cell.name, status: cell.status, verified: true, report: cell.report };
}
