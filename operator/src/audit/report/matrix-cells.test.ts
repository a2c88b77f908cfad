/** The sparse reachability matrix: what it lists, what it counts, and what a reader sees of a pair it leaves out. */
import assert from 'node:assert/strict';
import { buildReport } from './build.js';
import { cellLookup, sparseMatrix, sparseMatrixProblems } from './matrix-cells.js';
import { cellStateCounts } from './matrix-picture.js';
import { sampleReportParts } from './sample-parts.js';

const namespaces = ['tenant-a', 'tenant-b', 'tenant-c', '(other)'];

function judged(allowed: (from: string, to: string) => string[]) {
  return namespaces.flatMap((from) => namespaces.map((to) => ({ from, to, allowed: allowed(from, to) })));
}

describe('the sparse reachability matrix', () => {
  const matrix = sparseMatrix(
    namespaces,
    ['TCP/80'],
    judged((from, to) => (from === to || (from === 'tenant-a' && to === 'tenant-c') ? ['TCP/80'] : [])),
  );

  it('lists every pair where something is allowed, a cross-tenant one named, and counts the others', () => {
    assert.deepEqual(
      matrix.cells.map((cell) => `${cell.from} → ${cell.to}`),
      ['tenant-a → tenant-a', 'tenant-a → tenant-c', 'tenant-b → tenant-b', 'tenant-c → tenant-c', '(other) → (other)'],
    );
    assert.equal(matrix.emptyCells, 16 - 5);
    assert.deepEqual(sparseMatrixProblems(matrix), []);
  });

  it('reads a pair it leaves out as allowing nothing, and a namespace it does not name as unknown', () => {
    const cellAt = cellLookup(matrix);
    assert.deepEqual(cellAt('tenant-c', 'tenant-a'), { from: 'tenant-c', to: 'tenant-a', allowed: [] });
    assert.deepEqual(cellAt('tenant-a', 'tenant-c')?.allowed, ['TCP/80']);
    assert.equal(cellAt('tenant-z', 'tenant-a'), undefined);
    assert.deepEqual(cellStateCounts(matrix), { 'cross-tenant': 1, own: 4, shared: 0, denied: 11, unknown: 0 });
  });

  it('reads a pair a dense matrix does not list as not computed', () => {
    const dense = { namespaces, probes: ['TCP/80'], cells: judged(() => []).slice(1) };
    assert.equal(cellLookup(dense)('tenant-a', 'tenant-a'), undefined);
    assert.deepEqual(sparseMatrixProblems(dense), [], 'a dense matrix is taken as written');
    assert.equal(cellStateCounts(dense).unknown, 1);
  });

  it('names the field and the rule when the count or a listed cell is wrong', () => {
    assert.deepEqual(sparseMatrixProblems({ ...matrix, emptyCells: 12 }), [
      'matrix.emptyCells: 12 empty cells stated, but 4 namespaces make 16 ordered pairs and 5 are listed, which leaves 11',
    ]);
    const stranger = { ...matrix, cells: [...matrix.cells, { from: 'tenant-z', to: 'tenant-a', allowed: ['TCP/80'] }], emptyCells: 10 };
    assert.match(
      sparseMatrixProblems(stranger)[0] ?? '',
      /^matrix\.cells\.5: tenant-z → tenant-a names a namespace the matrix does not list$/,
    );
  });

  it('is refused by the signer when it does not add up, naming the field', () => {
    const parts = sampleReportParts();
    const sample = parts.matrix as NonNullable<typeof parts.matrix>;
    parts.matrix = { ...sample, emptyCells: (sample.emptyCells ?? 0) + 2 };
    assert.throws(() => buildReport(parts), /the audit's parts do not make a valid report: matrix\.emptyCells: /);
  });
});
