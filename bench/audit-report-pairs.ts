/**
 * What the report's parts that grow with the square of the fleet cost, before and after decision
 * 0056, alone: the reachability matrix of N isolated tenants (each namespace's own cell and its
 * cells to and from `(other)` allowed, nothing between tenants) dense or sparse, and the
 * `access.owner-other-tenants` evidence of N tenants naming every other namespace or counting
 * them with a digest. Prints the heap each holds and its JSON size (about its bytes in the file).
 *
 *   node --expose-gc --import tsx bench/audit-report-pairs.ts N dense-matrix|sparse-matrix|other-list|other-digest
 */
import { namespacesDigest } from '../operator/src/audit/access/findings.js';
import type { ReachabilityCell } from '../operator/src/audit/model.js';

const [size, form] = process.argv.slice(2);
const n = Number(size);
const heapUsed = (): number => {
  globalThis.gc?.();
  return process.memoryUsage().heapUsed;
};
const namespaces = Array.from({ length: n }, (_, i) => `tenant-bench-${String(i).padStart(4, '0')}`);
const all = [...namespaces, '(other)'];
const allowed = (from: string, to: string): string[] => {
  if (from === to) return ['tcp/8080'];
  if (to === '(other)') return ['tcp/53', 'udp/53'];
  return from === '(other)' ? ['tcp/80'] : [];
};

function matrix(sparse: boolean): unknown {
  const cells: ReachabilityCell[] = [];
  for (const from of all) {
    for (const to of all) {
      const probes = allowed(from, to);
      if (!sparse || probes.length > 0) cells.push({ from, to, allowed: probes });
    }
  }
  return { namespaces: all, probes: [], cells, ...(sparse ? { emptyCells: all.length * all.length - cells.length } : {}) };
}

const others = (own: string): string[] => namespaces.filter((name) => name !== own);
const forms: Record<string, () => unknown> = {
  'dense-matrix': () => matrix(false),
  'sparse-matrix': () => matrix(true),
  'other-list': () => namespaces.map((own) => ({ otherNamespaces: others(own) })),
  'other-digest': () => namespaces.map((own) => ({ otherNamespaces: namespacesDigest(others(own)) })),
};
const make = forms[form ?? ''];
if (!make) throw new Error(`the form must be one of ${Object.keys(forms).join(', ')}`);
const before = heapUsed();
const held = make();
const heap = heapUsed() - before;
const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(1);
console.log(`${n} tenants, ${form}: heap ${mib(heap)} MiB, JSON ${mib(Buffer.byteLength(JSON.stringify(held)))} MiB`);
