/**
 * The operator's Node.js flags and malloc arenas: the chart sets `operator.nodeOptions` as
 * NODE_OPTIONS and `operator.mallocArenaMax` as MALLOC_ARENA_MAX on the operator container (and only
 * there), and `make bench` starts the compiled operator with the same values
 * (bench/lib/compiled-operator.ts), so the memory the bench reports is the installed one's.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { findBinaries } from '../../../testenv/src/binaries.js';
import { shippedOperatorEnv } from '../../../bench/lib/compiled-operator.js';
import { repoRoot } from '../support/cluster.js';

interface Container {
  name: string;
  env?: { name: string; value?: string }[];
}
interface Workload {
  kind: string;
  metadata: { name: string };
  spec: { template: { spec: { containers: Container[] } } };
}

/** Every container of the chart's Deployments, rendered with `values`, by Deployment name. */
function containers(values: Record<string, unknown>): Map<string, Container[]> {
  const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-chart-')), 'values.yaml');
  writeFileSync(file, JSON.stringify(values));
  const rendered = execFileSync(
    findBinaries().helm,
    ['template', 'bulkhead', join(repoRoot, 'charts/bulkhead'), '--namespace', 'bulkhead-system', '--values', file],
    { encoding: 'utf8' },
  );
  const workloads = parseAllDocuments(rendered)
    .map((document) => document.toJS() as Workload | null)
    .filter((object): object is Workload => object?.kind === 'Deployment');
  return new Map(workloads.map((workload) => [workload.metadata.name, workload.spec.template.spec.containers]));
}

const variable = (container: Container | undefined, name: string): string | undefined =>
  container?.env?.find((entry) => entry.name === name)?.value;
const nodeOptions = (container: Container | undefined): string | undefined => variable(container, 'NODE_OPTIONS');

describe("the operator chart's Node.js flags", function () {
  const shipped = (parse(readFileSync(join(repoRoot, 'charts/bulkhead/values.yaml'), 'utf8')) as { operator: { nodeOptions: string } })
    .operator.nodeOptions;

  it('sets operator.nodeOptions as NODE_OPTIONS on the operator, and on no other container', function () {
    assert.match(shipped, /--max-semi-space-size=\d+/, 'the default bounds the young generation (docs/performance.md)');
    const rendered = containers({});
    const operator = [...rendered.entries()].find(([, list]) => list.some((container) => container.name === 'operator'));
    assert.ok(operator, 'the chart renders an operator Deployment');
    assert.equal(nodeOptions(operator[1].find((container) => container.name === 'operator')), shipped);
    for (const [name, list] of rendered) {
      if (name === operator[0]) continue;
      for (const container of list) assert.equal(nodeOptions(container), undefined, `${name}/${container.name} has NODE_OPTIONS`);
    }
  });

  it('leaves NODE_OPTIONS out when the value is empty, and passes another value through', function () {
    const operatorOf = (values: Record<string, unknown>): Container | undefined =>
      [...containers(values).values()].flat().find((container) => container.name === 'operator');
    assert.equal(nodeOptions(operatorOf({ operator: { nodeOptions: '' } })), undefined);
    assert.equal(nodeOptions(operatorOf({ operator: { nodeOptions: '--max-old-space-size=384' } })), '--max-old-space-size=384');
  });

  it('sets operator.mallocArenaMax as MALLOC_ARENA_MAX on the operator only, as the bench runs it, and leaves it out when empty', function () {
    const shippedArenas = (
      parse(readFileSync(join(repoRoot, 'charts/bulkhead/values.yaml'), 'utf8')) as { operator: { mallocArenaMax: string } }
    ).operator.mallocArenaMax;
    assert.equal(shippedArenas, '2', 'the default caps glibc at 2 arenas (docs/performance.md)');
    for (const [name, list] of containers({})) {
      for (const container of list) {
        const expected: string | undefined = container.name === 'operator' ? shippedArenas : undefined;
        assert.equal(variable(container, 'MALLOC_ARENA_MAX'), expected, `${name}/${container.name}`);
      }
    }
    const saved = process.env.BENCH_OPERATOR_MALLOC_ARENA_MAX;
    delete process.env.BENCH_OPERATOR_MALLOC_ARENA_MAX;
    try {
      assert.deepEqual(shippedOperatorEnv(), { MALLOC_ARENA_MAX: shippedArenas }, 'the bench starts the compiled operator with it');
    } finally {
      if (saved !== undefined) process.env.BENCH_OPERATOR_MALLOC_ARENA_MAX = saved;
    }
    const operatorOf = (values: Record<string, unknown>): Container | undefined =>
      [...containers(values).values()].flat().find((container) => container.name === 'operator');
    assert.equal(variable(operatorOf({ operator: { mallocArenaMax: '' } }), 'MALLOC_ARENA_MAX'), undefined);
  });
});
