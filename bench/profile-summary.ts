/**
 * A V8 CPU profile (.cpuprofile, from node --cpu-prof) summed up: time by module, self and
 * inclusive (a module counts once per sample however deep it recurs), and the functions with the
 * most self time. Modules are named by their package or by their path under operator/src.
 *
 *   node --import tsx bench/profile-summary.ts FILE.cpuprofile [TOP=25]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** "operator/src/runtime/store.js", "node_modules/winston", "node:internal/...", or a V8 pseudo-frame. */
export function moduleOf(url: string, functionName: string): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(native or V8 builtins)';
  const packageMatch = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (packageMatch) return `node_modules/${packageMatch[1]}`;
  const src = /(?:bench-dist|-dist|operator\/src)\/(.*)$/.exec(url);
  if (src) return `operator/src/${src[1]}`;
  return url.replace(/^file:\/\//, '');
}

const bump = (map: Map<string, number>, key: string, us: number): void => {
  map.set(key, (map.get(key) ?? 0) + us);
};

/** The modules on a sample's stack, each once. */
function modulesOnStack(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): Set<string> {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame) seen.add(moduleOf(frame.url, frame.functionName));
  }
  return seen;
}

function summarise(profile: Profile, top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const functions = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const frame = byId.get(id)?.callFrame;
    totalUs += us;
    if (!frame) return;
    const module = moduleOf(frame.url, frame.functionName);
    bump(self, module, us);
    bump(functions, `${frame.functionName || '(anonymous)'} ${module}:${frame.lineNumber + 1}`, us);
    for (const m of modulesOnStack(id, byId, parent)) bump(inclusive, m, us);
  });
  const s = (us: number): string => (us / 1e6).toFixed(2);
  const rows = (map: Map<string, number>): string[] => [...map].sort((a, b) => b[1] - a[1]).slice(0, top)
    .map(([k, us]) => `${s(us).padStart(8)} s ${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${k}`);
  const busy = totalUs - (self.get('(idle)') ?? 0);
  console.log(`profiled ${s(totalUs)} s, of which not idle ${s(busy)} s`);
  console.log('\nself time by module\n' + rows(self).join('\n'));
  console.log('\ninclusive time by module\n' + rows(inclusive).join('\n'));
  console.log('\nself time by function\n' + rows(functions).join('\n'));
}

const [file, top] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
summarise(JSON.parse(readFileSync(file, 'utf8')) as Profile, Number(top ?? 25));
