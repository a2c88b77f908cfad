/**
 * Where a new tenant goes: the placement rule, a pure function of the registered cells and how
 * many tenants each holds, so that it can be replaced (deps.placementRule) and read in one place.
 *
 * The default rule: among the cells that are open, serve the tenant's region and have room, the
 * least loaded by fraction of capacity, ties broken by name so the choice is reproducible. A
 * draining or closed cell keeps its tenants but takes no new ones.
 */
export const cellStates = ['open', 'draining', 'closed'] as const;
export type CellState = (typeof cellStates)[number];

export interface Cell {
  name: string;
  regions: string[];
  /** The most tenants the cell takes; 0 takes none. */
  capacity: number;
  state: CellState;
  /** The Secret, in the API's own cluster, holding the kubeconfig of the cell's least-privilege identity. */
  kubeconfigSecret: { namespace: string; name: string };
}

export interface CellLoad {
  cell: Cell;
  /** Tenants placed in the cell. */
  tenants: number;
}

/** The cell for a tenant of `region`, or undefined when none may take it. */
export type PlacementRule = (region: string, cells: readonly CellLoad[]) => Cell | undefined;

export const hasRoom = ({ cell, tenants }: CellLoad): boolean => tenants < cell.capacity;

export const leastLoadedOpenCell: PlacementRule = (region, cells) => {
  const candidates = cells.filter((load) => load.cell.state === 'open' && load.cell.regions.includes(region) && hasRoom(load));
  const fill = ({ cell, tenants }: CellLoad): number => tenants / cell.capacity;
  candidates.sort((a, b) => fill(a) - fill(b) || a.cell.name.localeCompare(b.cell.name));
  return candidates[0]?.cell;
};
