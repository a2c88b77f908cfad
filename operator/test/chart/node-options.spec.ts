/**
 * The operator's Node.js flags and malloc arenas: the chart sets `operator.nodeOptions` as
 * NODE_OPTIONS and `operator.mallocArenaMax` as MALLOC_ARENA_MAX on the operator container (and only
 * there), and `make bench` starts the compiled operator with the same values
 * (bench/lib/compiled-operator.ts), so the memory the bench reports is the installed one's.
 * `operator.v8Flags` (flags NODE_OPTIONS refuses) go on the operator container's command: the
 * image's ENTRYPOINT with them after `node`.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';
import { findBinaries } from '../../../testenv/src/binaries.js';
import { shippedOperatorEnv, shippedOperatorV8Flags } from '../../../bench/lib/compiled-operator.js';
import { repoRoot } from '../support/cluster.js';

interface Container {
  name: string;
  command?: string[];
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

  it("puts operator.v8Flags after node in the image's ENTRYPOINT as the operator's command, as the bench runs it, and keeps the ENTRYPOINT when empty", function () {
    const dockerfile = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8');
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    assert.equal(entrypoint[0], 'node', 'the image starts node');
    const flags = (parse(readFileSync(join(repoRoot, 'charts/bulkhead/values.yaml'), 'utf8')) as { operator: { v8Flags: string } }).operator
      .v8Flags;
    assert.equal(flags, '--optimize-for-size', 'the default keeps the heap close to its live size (docs/performance.md)');
    const operatorOf = (values: Record<string, unknown>): Container | undefined =>
      [...containers(values).values()].flat().find((container) => container.name === 'operator');
    assert.deepEqual(operatorOf({})?.command, ['node', flags, ...entrypoint.slice(1)]);
    assert.deepEqual(operatorOf({ operator: { v8Flags: '--optimize-for-size --stack-size=2000' } })?.command, [
      'node',
      '--optimize-for-size',
      '--stack-size=2000',
      ...entrypoint.slice(1),
    ]);
    assert.equal(operatorOf({ operator: { v8Flags: '' } })?.command, undefined, "empty: the image's ENTRYPOINT");
    for (const [name, list] of containers({})) {
      for (const container of list) {
        if (container.name !== 'operator')
          assert.ok(!(container.command ?? []).includes(flags), `${name}/${container.name} has the operator's V8 flags`);
      }
    }
    const saved = process.env.BENCH_OPERATOR_V8_FLAGS;
    delete process.env.BENCH_OPERATOR_V8_FLAGS;
    try {
      assert.deepEqual(shippedOperatorV8Flags(), [flags], 'the bench starts the compiled operator with them');
    } finally {
      if (saved !== undefined) process.env.BENCH_OPERATOR_V8_FLAGS = saved;
    }
  });

  it('refuses operator.v8Flags that are not --flags separated by spaces, naming the field', function () {
    const file = join(mkdtempSync(join(tmpdir(), 'bulkhead-chart-')), 'values.yaml');
    writeFileSync(file, JSON.stringify({ operator: { v8Flags: '--x", "-e", "process.exit()' } }));
    assert.throws(
      () =>
        execFileSync(findBinaries().helm, ['template', 'bulkhead', join(repoRoot, 'charts/bulkhead'), '--values', file], {
          encoding: 'utf8',
          stdio: 'pipe',
        }),
      (error: Error & { stderr?: string }) =>
        /operator\/v8Flags/.test(error.stderr ?? '') && /does not match pattern/.test(error.stderr ?? ''),
    );
  });
});
