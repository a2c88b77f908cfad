/**
 * A V8 heap snapshot (.heapsnapshot) summed up: self size by node type and constructor, and
 * retained size (what would be freed with it, from the dominator tree, weak edges ignored) of the
 * biggest holders, each with the chain of objects that holds it. Enough to say which part of the
 * operator owns the heap without opening DevTools.
 *
 *   node --max-old-space-size=8192 --import tsx bench/heap-summary.ts FILE.heapsnapshot [TOP=30]
 */
import { readFileSync } from 'node:fs';

interface Snapshot {
  snapshot: { meta: { node_fields: string[]; node_types: [string[]]; edge_fields: string[]; edge_types: [string[]] }; node_count: number };
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
}

function graphOf(s: Snapshot): Graph {
  const nf = s.snapshot.meta.node_fields;
  const ef = s.snapshot.meta.edge_fields;
  const nodeTypes = s.snapshot.meta.node_types[0];
  const edgeTypes = s.snapshot.meta.edge_types[0];
  const [typeAt, nameAt, sizeAt, edgesAt] = ['type', 'name', 'self_size', 'edge_count'].map((f) => nf.indexOf(f));
  const [edgeTypeAt, toAt] = ['type', 'to_node'].map((f) => ef.indexOf(f));
  const weak = edgeTypes.indexOf('weak');
  const count = s.nodes.length / nf.length;
  const selfSize = new Float64Array(count);
  const firstEdge = new Uint32Array(count + 1);
  const targets: number[] = [];
  let edge = 0;
  for (let i = 0; i < count; i++) {
    selfSize[i] = s.nodes[i * nf.length + (sizeAt ?? 0)] ?? 0;
    firstEdge[i] = targets.length;
    const edges = s.nodes[i * nf.length + (edgesAt ?? 0)] ?? 0;
    for (let e = 0; e < edges; e++, edge += ef.length) {
      if (s.edges[edge + (edgeTypeAt ?? 0)] === weak) continue;
      targets.push((s.edges[edge + (toAt ?? 0)] ?? 0) / nf.length);
    }
  }
  firstEdge[count] = targets.length;
  return {
    count, selfSize, firstEdge, targets: Uint32Array.from(targets),
    type: (i) => nodeTypes[s.nodes[i * nf.length + (typeAt ?? 0)] ?? 0] ?? '?',
    name: (i) => s.strings[s.nodes[i * nf.length + (nameAt ?? 0)] ?? 0] ?? '?',
  };
}

/** Immediate dominators from node 0 (Cooper, Harvey and Kennedy's iterative algorithm). */
function dominators(g: Graph): { idom: Int32Array; order: Uint32Array } {
  const post = new Int32Array(g.count).fill(-1);
  const order: number[] = [];
  const stack: [number, number][] = [[0, g.firstEdge[0] ?? 0]];
  const visited = new Uint8Array(g.count);
  visited[0] = 1;
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    const [node, next] = top;
    if (next < (g.firstEdge[node + 1] ?? 0)) {
      top[1] = next + 1;
      const child = g.targets[next] ?? 0;
      if (!visited[child]) { visited[child] = 1; stack.push([child, g.firstEdge[child] ?? 0]); }
    } else {
      post[node] = order.length;
      order.push(node);
      stack.pop();
    }
  }
  const preds: number[][] = Array.from({ length: g.count }, () => []);
  for (let i = 0; i < g.count; i++) {
    if (!visited[i]) continue;
    for (let e = g.firstEdge[i] ?? 0; e < (g.firstEdge[i + 1] ?? 0); e++) preds[g.targets[e] ?? 0]!.push(i);
  }
  const idom = new Int32Array(g.count).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number): number => {
    while (a !== b) {
      while ((post[a] ?? 0) < (post[b] ?? 0)) a = idom[a] ?? 0;
      while ((post[b] ?? 0) < (post[a] ?? 0)) b = idom[b] ?? 0;
    }
    return a;
  };
  for (let changed = true; changed;) {
    changed = false;
    for (let k = order.length - 2; k >= 0; k--) {
      const node = order[k] ?? 0;
      let candidate = -1;
      for (const p of preds[node] ?? []) {
        if (idom[p] === -1) continue;
        candidate = candidate === -1 ? p : intersect(p, candidate);
      }
      if (candidate !== -1 && idom[node] !== candidate) { idom[node] = candidate; changed = true; }
    }
  }
  return { idom, order: Uint32Array.from(order) };
}

function retainedSizes(g: Graph, idom: Int32Array, order: Uint32Array): Float64Array {
  const retained = Float64Array.from(g.selfSize);
  for (const node of order) if (node !== 0 && idom[node] !== -1) retained[idom[node] ?? 0] += retained[node] ?? 0;
  return retained;
}

const label = (g: Graph, i: number): string => `${g.type(i)} ${g.name(i).slice(0, 60)}`;
const mib = (bytes: number): string => (bytes / 1048576).toFixed(2).padStart(7);

function summarise(g: Graph, top: number): void {
  const { idom, order } = dominators(g);
  const retained = retainedSizes(g, idom, order);
  const byKind = new Map<string, { size: number; count: number }>();
  let total = 0;
  for (let i = 0; i < g.count; i++) {
    const key = g.type(i) === 'object' || g.type(i) === 'closure' ? label(g, i) : g.type(i);
    const entry = byKind.get(key) ?? { size: 0, count: 0 };
    entry.size += g.selfSize[i] ?? 0;
    entry.count += 1;
    byKind.set(key, entry);
    total += g.selfSize[i] ?? 0;
  }
  console.log(`${g.count} nodes, ${mib(total)} MiB self size in all\n\nself size by type / constructor`);
  for (const [key, { size, count }] of [...byKind].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${mib(size)} MiB ${String(count).padStart(8)}  ${key}`);
  }
  console.log('\nbiggest holders by retained size (excluding the root and GC-root groups), with who holds them');
  const holders = [...order].filter((i) => g.type(i) !== 'synthetic' && idom[i] !== -1)
    .sort((a, b) => (retained[b] ?? 0) - (retained[a] ?? 0)).slice(0, top);
  for (const i of holders) {
    const chain: string[] = [];
    for (let at = idom[i] ?? 0, n = 0; at !== 0 && n < 4; at = idom[at] ?? 0, n++) chain.push(label(g, at));
    console.log(`${mib(retained[i] ?? 0)} MiB  ${label(g, i)}  <- ${chain.join(' <- ')}`);
  }
  console.log('\nretained size by constructor, counting only instances no other instance of it holds');
  const outermost = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < g.count; i++) {
    if (g.type(i) !== 'object' || idom[i] === -1) continue;
    const key = label(g, i);
    let nested = false;
    for (let at = idom[i] ?? 0, n = 0; at !== 0 && n < 64 && !nested; at = idom[at] ?? 0, n++) nested = label(g, at) === key;
    if (nested) continue;
    const entry = outermost.get(key) ?? { size: 0, count: 0 };
    entry.size += retained[i] ?? 0;
    entry.count += 1;
    outermost.set(key, entry);
  }
  for (const [key, { size, count }] of [...outermost].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${mib(size)} MiB ${String(count).padStart(8)}  ${key}`);
  }
}

const [file, top] = process.argv.slice(2);
if (!file) throw new Error('usage: heap-summary.ts FILE.heapsnapshot [TOP]');
summarise(graphOf(JSON.parse(readFileSync(file, 'utf8')) as Snapshot), Number(top ?? 30));
