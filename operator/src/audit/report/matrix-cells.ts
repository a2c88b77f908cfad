/**
 * The reachability matrix's cells, dense or sparse (docs/decisions/0056). A report before 0056
 * lists every ordered pair of namespaces, most of them with nothing allowed: a million cells at a
 * thousand tenants, the largest part of the report. A sparse matrix lists only the pairs where
 * something is allowed and states how many it leaves out (`emptyCells`); every pair of
 * `namespaces` not listed allows nothing. Readers go through `cellAt`, and the signer and
 * `bulkhead audit verify` both refuse a sparse matrix whose count does not add up.
 */
import type { ReachabilityCell, ReachabilityMatrix } from '../model.js';

/** The problems named at most; the rest would only repeat them. */
const problemsNamed = 3;

export function isSparse(matrix: ReachabilityMatrix): boolean {
  return matrix.emptyCells !== undefined;
}

/** A sparse matrix from every cell the analysis judged: the empty ones counted, not listed. */
export function sparseMatrix(namespaces: string[], probes: string[], cells: Iterable<ReachabilityCell>): ReachabilityMatrix {
  const listed: ReachabilityCell[] = [];
  for (const cell of cells) if (cell.allowed.length > 0) listed.push(cell);
  return { namespaces, probes, cells: listed, emptyCells: namespaces.length * namespaces.length - listed.length };
}

/**
 * The cell of an ordered pair: the listed one, an empty cell for a pair a sparse matrix leaves
 * out, and undefined for a pair a dense matrix does not list (not computed) or a namespace it
 * does not name.
 */
export function cellLookup(matrix: ReachabilityMatrix): (from: string, to: string) => ReachabilityCell | undefined {
  const byPair = new Map(matrix.cells.map((cell) => [pairKey(cell.from, cell.to), cell]));
  const named = new Set(matrix.namespaces);
  const sparse = isSparse(matrix);
  return (from, to) => {
    const cell = byPair.get(pairKey(from, to));
    if (cell || !sparse || !named.has(from) || !named.has(to)) return cell;
    return { from, to, allowed: [] };
  };
}

/**
 * Why a sparse matrix does not say what it claims: a listed cell outside its namespaces, listed
 * twice or with nothing allowed, or an `emptyCells` that is not the ordered pairs left unlisted.
 * A dense matrix (a report before 0056) is taken as written.
 */
export function sparseMatrixProblems(matrix: ReachabilityMatrix): string[] {
  if (!isSparse(matrix)) return [];
  const named = new Set(matrix.namespaces);
  const seen = new Set<string>();
  const problems: string[] = [];
  for (const [index, cell] of matrix.cells.entries()) {
    const problem = cellProblem(cell, named, seen);
    if (problem) problems.push(`matrix.cells.${index}: ${problem}`);
    if (problems.length >= problemsNamed) return problems;
  }
  const pairs = matrix.namespaces.length * matrix.namespaces.length;
  const expected = pairs - matrix.cells.length;
  if (named.size !== matrix.namespaces.length) problems.push('matrix.namespaces: a namespace is named twice');
  if (matrix.emptyCells !== expected) {
    problems.push(
      `matrix.emptyCells: ${matrix.emptyCells} empty cells stated, but ${matrix.namespaces.length} namespaces make ${pairs} ordered pairs ` +
        `and ${matrix.cells.length} are listed, which leaves ${expected}`,
    );
  }
  return problems;
}

function cellProblem(cell: ReachabilityCell, named: ReadonlySet<string>, seen: Set<string>): string | undefined {
  if (!named.has(cell.from) || !named.has(cell.to)) return `${cell.from} → ${cell.to} names a namespace the matrix does not list`;
  if (cell.allowed.length === 0) return `${cell.from} → ${cell.to} allows nothing, so a sparse matrix must not list it`;
  const key = pairKey(cell.from, cell.to);
  if (seen.has(key)) return `${cell.from} → ${cell.to} is listed twice`;
  seen.add(key);
  return undefined;
}

function pairKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}
