/**
 * A V8 heap snapshot (.heapsnapshot) summed up: self size by node type and constructor, and
 * retained size (what would be freed with it, from the dominator tree, weak edges ignored) of the
 * biggest holders, each with the chain of objects that holds it, and by constructor. Enough to say
 * which part of the operator owns the heap without opening DevTools.
 *
 *   node --max-old-space-size=8192 --import tsx bench/heap-summary.ts FILE.heapsnapshot [TOP=30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] } };
  nodes: number[];
  edges: number[];
  strings: string[];
}

interface Graph {
  count: number;
  type: (i: number) => string;
  name: (i: number) => string;
  selfSize: Float64Array;
  /** Children of node i: targets[firstEdge[i] .. firstEdge[i + 1]), weak edges left out. */
  firstEdge: Uint32Array;
  targets: Uint32Array;
  /** The string a node's property `name` holds, if any (an Informer's name, say). */
  stringProperty: (i: number, property: string) => string | undefined;
}

const at = (array: ArrayLike<number>, i: number): number => array[i] ?? 0;

/** The strong edges of every node, as two flat arrays. */
function strongEdges(s: Snapshot, count: number): { firstEdge: Uint32Array; targets: Uint32Array; rawFirstEdge: Uint32Array } {
  const {
    node_fields: nf,
    edge_fields: ef,
    edge_types: [edgeTypes],
  } = s.snapshot.meta;
  const [edgesAt, edgeTypeAt, toAt] = [nf.indexOf('edge_count'), ef.indexOf('type'), ef.indexOf('to_node')];
  const weak = edgeTypes.indexOf('weak');
  const firstEdge = new Uint32Array(count + 1);
  const rawFirstEdge = new Uint32Array(count + 1);
  const targets: number[] = [];
  let edge = 0;
  for (let i = 0; i < count; i++) {
    firstEdge[i] = targets.length;
    rawFirstEdge[i] = edge;
    const end = edge + at(s.nodes, i * nf.length + edgesAt) * ef.length;
    for (; edge < end; edge += ef.length) {
      if (at(s.edges, edge + edgeTypeAt) !== weak) targets.push(at(s.edges, edge + toAt) / nf.length);
    }
  }
  firstEdge[count] = targets.length;
  rawFirstEdge[count] = edge;
  return { firstEdge, rawFirstEdge, targets: Uint32Array.from(targets) };
}

function graphOf(s: Snapshot): Graph {
  const {
    node_fields: nf,
    node_types: [nodeTypes],
    edge_fields: ef,
    edge_types: [edgeTypes],
  } = s.snapshot.meta;
  const [typeAt, nameAt, sizeAt] = [nf.indexOf('type'), nf.indexOf('name'), nf.indexOf('self_size')];
  const [edgeTypeAt, edgeNameAt, toAt] = [ef.indexOf('type'), ef.indexOf('name_or_index'), ef.indexOf('to_node')];
  const count = s.nodes.length / nf.length;
  const selfSize = Float64Array.from({ length: count }, (_, i) => at(s.nodes, i * nf.length + sizeAt));
  const { rawFirstEdge, ...edges } = strongEdges(s, count);
  const type = (i: number): string => nodeTypes[at(s.nodes, i * nf.length + typeAt)] ?? '?';
  const name = (i: number): string => s.strings[at(s.nodes, i * nf.length + nameAt)] ?? '?';
  const stringProperty = (i: number, property: string): string | undefined => {
    for (let e = at(rawFirstEdge, i); e < at(rawFirstEdge, i + 1); e += ef.length) {
      const isProperty = edgeTypes[at(s.edges, e + edgeTypeAt)] === 'property' && s.strings[at(s.edges, e + edgeNameAt)] === property;
      const target = at(s.edges, e + toAt) / nf.length;
      if (isProperty && type(target) === 'string') return name(target);
    }
    return undefined;
  };
  return { count, selfSize, ...edges, type, name, stringProperty };
}

/** Nodes reachable from node 0 in postorder, without recursion. */
function postorder(g: Graph): number[] {
  const order: number[] = [];
  const visited = new Uint8Array(g.count);
  const stack: [number, number][] = [[0, at(g.firstEdge, 0)]];
  visited[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1] as [number, number];
    const [node, next] = top;
    if (next === at(g.firstEdge, node + 1)) {
      order.push(node);
      stack.pop();
      continue;
    }
    top[1] = next + 1;
    const child = at(g.targets, next);
    if (!visited[child]) {
      visited[child] = 1;
      stack.push([child, at(g.firstEdge, child)]);
    }
  }
  return order;
}

function predecessors(g: Graph, reachable: ArrayLike<number>): number[][] {
  const preds: number[][] = Array.from({ length: g.count }, () => []);
  for (let k = 0; k < reachable.length; k++) {
    const node = at(reachable, k);
    for (let e = at(g.firstEdge, node); e < at(g.firstEdge, node + 1); e++) preds[at(g.targets, e)]?.push(node);
  }
  return preds;
}

/** Immediate dominators from node 0 (Cooper, Harvey and Kennedy's iterative algorithm); -1 where unreachable. */
function dominators(g: Graph): { idom: Int32Array; order: Uint32Array } {
  const order = Uint32Array.from(postorder(g));
  const post = new Int32Array(g.count);
  order.forEach((node, k) => {
    post[node] = k;
  });
  const preds = predecessors(g, order);
  const idom = new Int32Array(g.count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while (at(post, a) < at(post, b)) a = at(idom, a);
      while (at(post, b) < at(post, a)) b = at(idom, b);
    }
    return a;
  };
  const settle = (node: number): boolean => {
    const known = (preds[node] ?? []).filter((p) => idom[p] !== -1);
    const candidate = known.reduce((c, p) => (c === -1 ? p : intersect(p, c)), -1);
    if (candidate === -1 || idom[node] === candidate) return false;
    idom[node] = candidate;
    return true;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) changed = settle(at(order, k)) || changed;
  }
  return { idom, order };
}

function retainedSizes(g: Graph, idom: Int32Array, order: Uint32Array): Float64Array {
  const retained = Float64Array.from(g.selfSize);
  for (const node of order) {
    const holder = at(idom, node);
    if (node !== 0 && holder !== -1) retained[holder] = at(retained, holder) + at(retained, node);
  }
  return retained;
}

const label = (g: Graph, i: number): string => `${g.type(i)} ${g.name(i).slice(0, 60)}`;
const mib = (bytes: number): string => (bytes / 1048576).toFixed(2).padStart(7);

type Tally = Map<string, { size: number; count: number }>;

function add(tally: Tally, key: string, size: number): void {
  const entry = tally.get(key) ?? { size: 0, count: 0 };
  entry.size += size;
  entry.count += 1;
  tally.set(key, entry);
}

function print(title: string, tally: Tally, top: number): void {
  console.log(`\n${title}`);
  for (const [key, { size, count }] of [...tally].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${mib(size)} MiB ${String(count).padStart(8)}  ${key}`);
  }
}

function selfByConstructor(g: Graph): Tally {
  const tally: Tally = new Map();
  for (let i = 0; i < g.count; i++) add(tally, ['object', 'closure'].includes(g.type(i)) ? label(g, i) : g.type(i), at(g.selfSize, i));
  return tally;
}

/** Whether another instance of node i's constructor holds it (then it is counted with that one). */
function heldByItsKind(g: Graph, idom: Int32Array, i: number): boolean {
  const key = label(g, i);
  for (let holder = at(idom, i), n = 0; holder > 0 && n < 64; holder = at(idom, holder), n++) {
    if (label(g, holder) === key) return true;
  }
  return false;
}

function retainedByConstructor(g: Graph, idom: Int32Array, retained: Float64Array): Tally {
  const tally: Tally = new Map();
  for (let i = 0; i < g.count; i++) {
    if (g.type(i) === 'object' && idom[i] !== -1 && !heldByItsKind(g, idom, i)) add(tally, label(g, i), at(retained, i));
  }
  return tally;
}

function printHolders(g: Graph, idom: Int32Array, retained: Float64Array, top: number): void {
  console.log('\nbiggest holders by retained size (GC-root groups left out), with who holds them');
  const holders = [...Array(g.count).keys()]
    .filter((i) => g.type(i) !== 'synthetic' && idom[i] !== -1)
    .sort((a, b) => at(retained, b) - at(retained, a))
    .slice(0, top);
  for (const i of holders) {
    const chain: string[] = [];
    for (let holder = at(idom, i); holder > 0 && chain.length < 4; holder = at(idom, holder)) chain.push(label(g, holder));
    console.log(`${mib(at(retained, i))} MiB  ${label(g, i)}  <- ${chain.join(' <- ')}`);
  }
}

/** Every instance of `constructor` with its property `name` and its retained size. */
function printNamed(g: Graph, retained: Float64Array, constructor: string): void {
  const rows: [string, number][] = [];
  for (let i = 0; i < g.count; i++) {
    if (g.type(i) === 'object' && g.name(i) === constructor) rows.push([g.stringProperty(i, 'name') ?? '?', at(retained, i)]);
  }
  if (rows.length === 0) return;
  console.log(`\n${constructor} instances by retained size`);
  for (const [name, size] of rows.sort((a, b) => b[1] - a[1])) console.log(`${mib(size)} MiB  ${name}`);
}

function summarise(g: Graph, top: number): void {
  const { idom, order } = dominators(g);
  const retained = retainedSizes(g, idom, order);
  console.log(`${g.count} nodes, ${mib(g.selfSize.reduce((a, b) => a + b, 0))} MiB self size in all`);
  print('self size by type / constructor (size, count)', selfByConstructor(g), top);
  printHolders(g, idom, retained, top);
  print(
    'retained size by constructor, counting only instances no other instance of it holds',
    retainedByConstructor(g, idom, retained),
    top,
  );
  for (const constructor of (process.env.NAMED ?? 'Informer,WorkQueue').split(',')) printNamed(g, retained, constructor);
}

const [file, top] = process.argv.slice(2);
if (!file) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [TOP]');
summarise(graphOf(JSON.parse(readFileSync(file, 'utf8')) as Snapshot), Number(top ?? 30));
