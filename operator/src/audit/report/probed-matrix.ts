/**
 * The probed matrix in words, for the text and HTML reports: each cell lists the ports that
 * connected on the wire, marks a port where the wire and the NetworkPolicies disagree with `!`
 * (connected though refused, or `shut!` refused though allowed) and one without an answer with `?`.
 */
import type { ProbedCell, ProbedMatrix } from '../wire/model.js';

export interface CellText {
  text: string;
  /** agree: every port measured and as predicted; mismatch: some port disagrees; unknown: some port unanswered. */
  state: 'agree' | 'mismatch' | 'unknown';
}

const portOnly = (port: string): string => port.replace(/^tcp\//, '');

export function probedCellText(cell: ProbedCell, ports: readonly string[]): CellText {
  const parts: string[] = [];
  let state: CellText['state'] = 'agree';
  for (const port of ports) {
    const predicted = cell.predicted.includes(port);
    if (cell.unknown.includes(port)) {
      parts.push(`${portOnly(port)}?`);
      if (state === 'agree') state = 'unknown';
    } else if (cell.observed.includes(port)) {
      parts.push(predicted ? portOnly(port) : `${portOnly(port)}!`);
      if (!predicted) state = 'mismatch';
    } else if (predicted) {
      parts.push(`shut ${portOnly(port)}!`);
      state = 'mismatch';
    }
  }
  return { text: parts.length > 0 ? parts.join(' ') : '-', state };
}

/** Rows of [from, cell texts in the order of `namespaces`]. */
export function probedRows(matrix: ProbedMatrix): { from: string; cells: CellText[] }[] {
  return matrix.namespaces.map((from) => ({
    from,
    cells: matrix.namespaces.map((to) => {
      const cell = matrix.cells.find((c) => c.from === from && c.to === to);
      return cell ? probedCellText(cell, matrix.ports) : { text: '?', state: 'unknown' as const };
    }),
  }));
}

/** The cells that disagree with the policies, as `from -> to: ...` lines. */
export function disagreements(matrix: ProbedMatrix): string[] {
  return probedRows(matrix).flatMap((row) =>
    row.cells.flatMap((cell, index) =>
      cell.state === 'mismatch' ? [`${row.from} -> ${matrix.namespaces[index] ?? ''}: ${cell.text}`] : [],
    ),
  );
}
