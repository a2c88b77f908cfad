/**
 * Checks a built report against the schema without copying it. A zod parse of the whole report
 * returns a deep copy: at a thousand tenants that was a second report in memory (the million cells
 * of the matrix, every check's evidence) and one synchronous call of several seconds, both at the
 * audit's peak (docs/decisions/0051). Here the report is checked a piece at a time (the rest of
 * the document with its long arrays empty, then each check, input and matrix cell), each piece's
 * copy dropped at once, and the report itself is what the caller keeps. A sparse matrix is then
 * checked to add up, so the signer never signs one that `bulkhead audit verify` would refuse.
 */
import { setImmediate as turn } from 'node:timers/promises';
import type { z } from 'zod';
import { sparseMatrixProblems } from './matrix-cells.js';
import { auditCheckSchema, inputObjectSchema, matrixSchema, unsignedReportSchema, type UnsignedReport } from './schema.js';

/** Pieces checked between two turns of the event loop, when yielding. */
const piecesPerTurn = 500;

/** The first problems are named; the rest would only repeat them. */
const problemsNamed = 3;

interface Piece {
  schema: z.ZodType;
  value: unknown;
  path: readonly (string | number)[];
}

const cellSchema = matrixSchema.shape.cells.element;

function* piecesOf(report: UnsignedReport): Generator<Piece> {
  const { checks, inputs, matrix } = report;
  const rest = { ...report, checks: [], inputs: [], matrix: matrix && { ...matrix, cells: [] } };
  yield { schema: unsignedReportSchema, value: rest, path: [] };
  for (const [index, check] of checks.entries()) yield { schema: auditCheckSchema, value: check, path: ['checks', index] };
  for (const [index, input] of inputs.entries()) yield { schema: inputObjectSchema, value: input, path: ['inputs', index] };
  for (const [index, cell] of (matrix?.cells ?? []).entries()) yield { schema: cellSchema, value: cell, path: ['matrix', 'cells', index] };
}

function problemsOf(piece: Piece): string[] {
  const parsed = piece.schema.safeParse(piece.value);
  if (parsed.success) return [];
  return parsed.error.issues.map((issue) => `${[...piece.path, ...issue.path].join('.') || '(root)'}: ${issue.message}`);
}

/** Once every piece has its shape: a sparse matrix must also add up (matrix-cells.ts). */
function throwIfAny(problems: string[], report: UnsignedReport): void {
  if (problems.length === 0 && report.matrix) problems.push(...sparseMatrixProblems(report.matrix));
  if (problems.length === 0) return;
  throw new Error(`the audit's parts do not make a valid report: ${problems.slice(0, problemsNamed).join('; ')}`);
}

/** Throws, naming the field and the rule, when the report is not of the schema's shape. */
export function validateReport(report: UnsignedReport): void {
  const problems: string[] = [];
  for (const piece of piecesOf(report)) {
    problems.push(...problemsOf(piece));
    if (problems.length >= problemsNamed) break;
  }
  throwIfAny(problems, report);
}

/** validateReport with a turn of the event loop every few hundred pieces (the operator's Lease shares it). */
export async function validateReportYielding(report: UnsignedReport): Promise<void> {
  const problems: string[] = [];
  let pieces = 0;
  for (const piece of piecesOf(report)) {
    problems.push(...problemsOf(piece));
    if (problems.length >= problemsNamed) break;
    pieces += 1;
    if (pieces % piecesPerTurn === 0) await turn();
  }
  throwIfAny(problems, report);
}
