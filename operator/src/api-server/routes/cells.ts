/**
 * The cell registry's admin routes (platform-admin only): GET /v1/cells lists the cells with their
 * load; POST /v1/cells registers one; PATCH /v1/cells/{cell} drains, closes, reopens or resizes it.
 * Unregistering is not offered: a cell's tenants stay placed in it (moving them is out of scope,
 * decision 0042), so a cell is closed instead. Without a cell registry (no audit trail database)
 * these routes answer 404 `cells-not-configured`.
 */
import type { Request, Response } from 'express';
import { recordChanges, specChanges } from '../audit-trail/changes.js';
import { requireAction } from '../auth.js';
import type { Cell, CellLoad } from '../cells/placement.js';
import type { TenantCells } from '../cells/routing.js';
import { CellNameSchema, ChangeCellRequestSchema, RegisterCellRequestSchema, type CellSummary } from '../cells/schemas.js';
import type { AppDeps } from '../deps.js';
import { ApiProblem, notFoundProblem, validationProblem } from '../problems.js';
import { bodyObject, parseOrRefuse } from '../validate.js';

export const cellsPath = '/v1/cells';

const summary = ({ cell, tenants }: CellLoad): CellSummary => ({ ...cell, tenants });

function registryOf(deps: AppDeps): TenantCells {
  if (deps.cells) return deps.cells;
  throw new ApiProblem({
    status: 404,
    type: 'cells-not-configured',
    title: 'Cells not configured',
    detail: 'This API has no cell registry (it needs the audit trail database); every tenant lives in its own cluster.',
  });
}

function cellParam(request: Request): string {
  const parsed = CellNameSchema.safeParse(request.params.cell);
  if (!parsed.success) throw notFoundProblem(`The cell ${JSON.stringify(String(request.params.cell).slice(0, 64))}`);
  return parsed.data;
}

async function loadOf(cells: TenantCells, name: string): Promise<CellLoad | undefined> {
  return (await cells.registry.loads()).find((load) => load.cell.name === name);
}

export function listCellsHandler(deps: AppDeps) {
  return async (_request: Request, response: Response): Promise<void> => {
    requireAction(response, 'cells:read');
    const loads = await registryOf(deps).registry.loads();
    response.json({ items: loads.map(summary) });
  };
}

export function registerCellHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    requireAction(response, 'cells:manage');
    const cells = registryOf(deps);
    const cell: Cell = parseOrRefuse(RegisterCellRequestSchema, bodyObject(request.body));
    const unusable = await cells.credentialsProblem(cell);
    // The reason names the Secret and what is wrong with it, never its contents (cell-stores.ts).
    if (unusable) throw validationProblem([{ field: 'kubeconfigSecret', rule: 'readableKubeconfig', message: unusable }]);
    if (!(await cells.registry.register(cell))) {
      throw new ApiProblem({
        status: 409,
        type: 'cell-exists',
        title: 'Cell exists',
        detail: `A cell named ${cell.name} is registered already; change it with PATCH ${cellsPath}/${cell.name}.`,
        errors: [{ field: 'name', rule: 'unique' }],
      });
    }
    recordChanges(response, specChanges({ cell }));
    response
      .status(201)
      .location(`${cellsPath}/${cell.name}`)
      .json(summary({ cell, tenants: 0 }));
  };
}

export function changeCellHandler(deps: AppDeps) {
  return async (request: Request, response: Response): Promise<void> => {
    requireAction(response, 'cells:manage');
    const cells = registryOf(deps);
    const name = cellParam(request);
    const change = parseOrRefuse(ChangeCellRequestSchema, bodyObject(request.body));
    if (!(await cells.registry.change(name, change))) throw notFoundProblem(`The cell ${name}`);
    recordChanges(response, specChanges({ cell: { name, ...change } }));
    const load = await loadOf(cells, name);
    if (!load) throw notFoundProblem(`The cell ${name}`);
    response.json(summary(load));
  };
}
