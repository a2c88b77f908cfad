/**
 * A V8 CPU profile (.cpuprofile, from node --cpu-prof) summed up: time by module, self and
 * inclusive (a module counts once per sample however deep it recurs), and the functions with the
 * most self time. Modules are named by their package or by their path under operator/src. Then the
 * longest span of samples in which the event loop never went idle, with the functions on the stack
 * through most of it: what stalled the loop longest (docs/decisions/0031).
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
  const rows = (map: Map<string, number>): string[] =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => `${s(us).padStart(8)} s ${((us / totalUs) * 100).toFixed(1).padStart(5)} %  ${k}`);
  const busy = totalUs - (self.get('(idle)') ?? 0);
  console.log(`profiled ${s(totalUs)} s, of which not idle ${s(busy)} s`);
  console.log('\nself time by module\n' + rows(self).join('\n'));
  console.log('\ninclusive time by module\n' + rows(inclusive).join('\n'));
  console.log('\nself time by function\n' + rows(functions).join('\n'));
}

/** The functions on a sample's stack, each once, innermost first. */
function functionsOnStack(id: number, byId: Map<number, ProfileNode>, parent: Map<number, number>): Set<string> {
  const seen = new Set<string>();
  for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
    const frame = byId.get(at)?.callFrame;
    if (frame?.url) seen.add(`${frame.functionName || '(anonymous)'} ${moduleOf(frame.url, frame.functionName)}:${frame.lineNumber + 1}`);
  }
  return seen;
}

/** The longest run of samples with no (idle) among them: [first index, last index, microseconds]. */
function longestBusyRun(profile: Profile, byId: Map<number, ProfileNode>): [number, number, number] {
  let best: [number, number, number] = [0, -1, 0];
  let start = 0;
  let us = 0;
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === '(idle)') {
      start = i + 1;
      us = 0;
      return;
    }
    us += profile.timeDeltas[i] ?? 0;
    if (us > best[2]) best = [start, i, us];
  });
  return best;
}

function longestStall(profile: Profile, top: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const [first, last, us] = longestBusyRun(profile, byId);
  const onStack = new Map<string, number>();
  for (let i = first; i <= last; i++) {
    for (const fn of functionsOnStack(profile.samples[i] ?? 0, byId, parent)) bump(onStack, fn, profile.timeDeltas[i] ?? 0);
  }
  const at = profile.timeDeltas.slice(0, first).reduce((sum, delta) => sum + delta, 0);
  const rows = [...onStack]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, t]) => `${(t / 1e6).toFixed(2).padStart(8)} s  ${fn}`);
  console.log(
    `\nlongest span without idle: ${(us / 1e6).toFixed(2)} s, from ${(at / 1e6).toFixed(2)} s in; on the stack through it\n${rows.join('\n')}`,
  );
}

const [file, top] = process.argv.slice(2);
if (!file) throw new Error('usage: profile-summary.ts FILE.cpuprofile [TOP]');
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
summarise(profile, Number(top ?? 25));
longestStall(profile, Number(top ?? 25));
