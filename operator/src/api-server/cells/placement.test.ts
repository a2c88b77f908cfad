import assert from 'node:assert/strict';
import { leastLoadedOpenCell, type Cell, type CellLoad } from './placement.js';

const cell = (name: string, overrides: Partial<Cell> = {}): Cell => ({
  name,
  regions: ['eu-central-1'],
  capacity: 10,
  state: 'open',
  kubeconfigSecret: { namespace: 'bulkhead-system', name: `cell-${name}` },
  ...overrides,
});
const load = (c: Cell, tenants: number): CellLoad => ({ cell: c, tenants });

describe('the least-loaded placement rule', function () {
  it('picks the open cell of the region with the smallest share of its capacity taken', function () {
    const chosen = leastLoadedOpenCell('eu-central-1', [
      load(cell('eu-1'), 5),
      load(cell('eu-2', { capacity: 100 }), 20),
      load(cell('eu-3'), 3),
    ]);
    assert.equal(chosen?.name, 'eu-2');
  });

  it('never picks a cell of another region, however empty', function () {
    const chosen = leastLoadedOpenCell('eu-central-1', [load(cell('us-1', { regions: ['us-east-1'] }), 0), load(cell('eu-1'), 9)]);
    assert.equal(chosen?.name, 'eu-1');
  });

  it('skips draining and closed cells and cells that are full', function () {
    const chosen = leastLoadedOpenCell('eu-central-1', [
      load(cell('eu-1', { state: 'draining' }), 0),
      load(cell('eu-2', { state: 'closed' }), 0),
      load(cell('eu-3'), 10),
      load(cell('eu-4', { capacity: 0 }), 0),
    ]);
    assert.equal(chosen, undefined);
  });

  it('places in a cell serving several regions', function () {
    const chosen = leastLoadedOpenCell('eu-west-1', [load(cell('eu-1', { regions: ['eu-central-1', 'eu-west-1'] }), 1)]);
    assert.equal(chosen?.name, 'eu-1');
  });

  it('breaks ties by name, so the same registry gives the same answer', function () {
    const chosen = leastLoadedOpenCell('eu-central-1', [load(cell('eu-b'), 2), load(cell('eu-a'), 2)]);
    assert.equal(chosen?.name, 'eu-a');
  });
});
