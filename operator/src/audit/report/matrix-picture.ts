/**
 * The reachability matrix as an inline SVG: one row per source namespace, one column per
 * destination, each cell marked with what may flow. A cell where one tenant may reach another is
 * flagged, since that is the finding the matrix exists to show. A pair a sparse matrix leaves out
 * is drawn as denied (matrix-cells.ts). Each cell carries a <title> for
 * screen readers and tooltips, and the legend is part of the picture. Built with html`...`, which
 * escapes every interpolated string.
 */
import type { ReachabilityCell, ReachabilityMatrix } from '../model.js';
import { html, joinHtml, type Html } from './html-template.js';
import { cellLookup } from './matrix-cells.js';

export const otherNamespaces = '(other)';

/** denied: nothing allowed; own: within one namespace; shared: to or from the rest of the cluster. */
export type CellState = 'denied' | 'own' | 'shared' | 'cross-tenant' | 'unknown';

export function cellState(cell: ReachabilityCell | undefined): CellState {
  if (cell === undefined) return 'unknown';
  if (cell.allowed.length === 0) return 'denied';
  if (cell.from === cell.to) return 'own';
  return cell.from === otherNamespaces || cell.to === otherNamespaces ? 'shared' : 'cross-tenant';
}

/** The cells where one tenant namespace may open a connection to another. */
export function crossTenantCells(matrix: ReachabilityMatrix): ReachabilityCell[] {
  return matrix.cells.filter((cell) => cellState(cell) === 'cross-tenant');
}

export const cellStyles: Record<CellState, { fill: string; text: string; label: string }> = {
  denied: { fill: '#f3f4f6', text: '#6b7280', label: 'no connection allowed' },
  own: { fill: '#cdebd3', text: '#14532d', label: 'allowed within the namespace' },
  shared: { fill: '#fde7b0', text: '#713f12', label: 'allowed to or from the rest of the cluster' },
  'cross-tenant': { fill: '#c62828', text: '#ffffff', label: 'allowed between two tenants (finding)' },
  unknown: { fill: '#ffffff', text: '#6b7280', label: 'not computed' },
};

const cellWidth = 76;
const cellHeight = 40;
const characterWidth = 7;

interface Layout {
  left: number;
  top: number;
  width: number;
  height: number;
}

function layoutOf(matrix: ReachabilityMatrix): Layout {
  const longest = Math.max(6, ...matrix.namespaces.map((name) => name.length));
  const left = 24 + longest * characterWidth;
  const top = 24 + Math.ceil(longest * characterWidth * 0.72);
  const legendHeight = 28 * 5 + 12;
  return {
    left,
    top,
    width: Math.max(left + matrix.namespaces.length * cellWidth + 24, 420),
    height: top + matrix.namespaces.length * cellHeight + 24 + legendHeight,
  };
}

/** Beyond this many namespaces the picture (n² cells) is not drawn: at a thousand tenants it would be a million. */
export const namespacesDrawn = 60;

export function matrixSvg(matrix: ReachabilityMatrix): Html {
  const layout = layoutOf(matrix);
  const cellAt = cellLookup(matrix);
  const flagged = crossTenantCells(matrix).length;
  const title = `Reachability between namespaces: rows are sources, columns destinations; ${flagged} cross-tenant ${flagged === 1 ? 'flow' : 'flows'} allowed`;
  return joinHtml(
    [
      html`<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="matrix-title" id="reachability-matrix" width="${layout.width}" height="${layout.height}" viewBox="0 0 ${layout.width} ${layout.height}" font-family="system-ui, sans-serif" font-size="12">`,
      html`<title id="matrix-title">${title}</title>`,
      html`<text class="axis" x="8" y="${layout.top - 8}" font-weight="600">from ↓  to →</text>`,
      ...columnLabels(matrix, layout),
      ...matrix.namespaces.flatMap((from, row) => rowOf({ matrix, cellAt, layout }, from, row)),
      legend(layout.top + matrix.namespaces.length * cellHeight + 24),
      html`</svg>`,
    ],
    '\n',
  );
}

function columnLabels(matrix: ReachabilityMatrix, layout: Layout): Html[] {
  return matrix.namespaces.map((to, column) => {
    const x = layout.left + column * cellWidth + cellWidth / 2;
    const y = layout.top - 8;
    return html`<text class="column-label" x="${x}" y="${y}" transform="rotate(-40 ${x} ${y})">${to}</text>`;
  });
}

type Lookup = ReturnType<typeof cellLookup>;

interface Drawing {
  matrix: ReachabilityMatrix;
  cellAt: Lookup;
  layout: Layout;
}

function rowOf({ matrix, cellAt, layout }: Drawing, from: string, row: number): Html[] {
  const y = layout.top + row * cellHeight;
  const label = html`<text class="row-label" x="${layout.left - 8}" y="${y + cellHeight / 2 + 4}" text-anchor="end">${from}</text>`;
  const cells = matrix.namespaces.map((to, column) =>
    cellSvg({ from, to, cell: cellAt(from, to), x: layout.left + column * cellWidth, y, probes: matrix.probes.length }),
  );
  return [label, ...cells];
}

/**
 * How many ordered pairs are in each state, the pairs a sparse matrix leaves out counted as
 * denied: what the page says instead of the picture when there are too many namespaces to draw.
 */
export function cellStateCounts(matrix: ReachabilityMatrix): Record<CellState, number> {
  const counts: Record<CellState, number> = { denied: 0, own: 0, shared: 0, 'cross-tenant': 0, unknown: 0 };
  for (const cell of matrix.cells) counts[cellState(cell)] += 1;
  const pairs = matrix.namespaces.length * matrix.namespaces.length;
  const missing = pairs - matrix.cells.length;
  if (missing > 0) counts[matrix.emptyCells === undefined ? 'unknown' : 'denied'] += missing;
  return counts;
}

interface PlacedCell {
  from: string;
  to: string;
  cell: ReachabilityCell | undefined;
  x: number;
  y: number;
  probes: number;
}

function cellSvg(placed: PlacedCell): Html {
  const state = cellState(placed.cell);
  const style = cellStyles[state];
  const allowed = placed.cell?.allowed ?? [];
  const description = `${placed.from} → ${placed.to}: ${state === 'unknown' ? 'not computed' : allowed.length === 0 ? 'nothing allowed' : `allowed ${allowed.join(', ')}`}`;
  const attributes = html`class="cell ${state}" data-from="${placed.from}" data-to="${placed.to}" data-state="${state}"`;
  return html`<g ${attributes}>${[
    html`<title>${description}</title>`,
    html`<rect x="${placed.x}" y="${placed.y}" width="${cellWidth - 2}" height="${cellHeight - 2}" rx="3" fill="${style.fill}" stroke="${state === 'cross-tenant' ? '#7f1d1d' : '#d1d5db'}" stroke-width="${state === 'cross-tenant' ? 2 : 1}"/>`,
    html`<text x="${placed.x + (cellWidth - 2) / 2}" y="${placed.y + cellHeight / 2 + 3}" text-anchor="middle" fill="${style.text}" font-size="10">${cellLabel(state, allowed, placed.probes)}</text>`,
  ]}</g>`;
}

/** What fits in a cell: the probes allowed (shortened), `!` first on a cross-tenant flow. */
function cellLabel(state: CellState, allowed: readonly string[], probes: number): string {
  if (state === 'unknown') return '?';
  if (allowed.length === 0) return '—';
  const shown =
    allowed.length === probes && probes > 1
      ? 'all'
      : allowed.length === 1
        ? (allowed[0] ?? '')
        : `${allowed[0] ?? ''} +${allowed.length - 1}`;
  return state === 'cross-tenant' ? `! ${shown}` : shown;
}

function legend(top: number): Html {
  const states: CellState[] = ['cross-tenant', 'own', 'shared', 'denied', 'unknown'];
  const entries = states.map((state, index) => {
    const y = top + index * 28;
    const style = cellStyles[state];
    return html`<g class="legend-entry" data-state="${state}"><rect x="24" y="${y}" width="22" height="20" rx="3" fill="${style.fill}" stroke="#9ca3af"/><text x="56" y="${y + 14}">${style.label}</text></g>`;
  });
  return html`<g class="legend" aria-label="Legend">${entries}</g>`;
}
