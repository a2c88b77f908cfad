/**
 * Which cross-tenant logins one audit tries on one database server (docs/decisions/0024). Every
 * ordered pair is n(n-1) logins, a million at 1000 tenants; beyond a small fleet each tenant's
 * credentials try, besides its own database:
 *
 * - its two neighbours in name order (offsets 1 and n-1),
 * - `rotatingPerTenant` offsets from a window that moves one step per audit interval, so that
 *   every offset 2..n-2, hence every ordered pair, is tried within `windows` consecutive intervals
 *   of a fleet that does not change,
 * - `randomPerTenant` more, drawn per tenant from a seed chosen at random for this run, so that no
 *   pair can count on not being tried in any given run.
 *
 * Offsets count in the tenants' name order: tenant i tries tenant (i + d) mod n. The sample is
 * recorded in full (seed, window, offsets, the rule for the random draws), so anyone can recompute
 * exactly which pairs were tried; the cross-tenant check of each tenant lists them too.
 */
import { createHash } from 'node:crypto';

export interface LoginSampleSettings {
  rotatingPerTenant: number;
  randomPerTenant: number;
  /** The audit interval: the rotation moves one window per interval of wall-clock time. */
  intervalSeconds: number;
}

export interface LoginSample {
  method: 'all-pairs' | 'sampled';
  tenants: number;
  /** Cross-tenant logins tried, and how many ordered pairs there are. */
  pairsTried: number;
  pairsTotal: number;
  /** For `sampled` only. */
  neighbourOffsets?: number[];
  rotation?: { intervalSeconds: number; window: number; windows: number; offsets: number[] };
  random?: { perTenant: number; seed: string; rule: string };
}

export interface LoginPlan {
  sample: LoginSample;
  /** Per credentials tenant (by index in `names`), the indices of the other tenants whose databases it tries. */
  targets: number[][];
}

export const randomDrawRule =
  'for tenant T and c = 0, 1, 2, ...: d = 2 + (the first 4 bytes of SHA-256("<seed>:<T>:<c>") as a big-endian unsigned integer) mod (n - 3); ' +
  'T tries the tenant at (index of T + d) mod n in name order, skipping an offset already tried, until it has drawn perTenant';

/** `names` in the order the offsets count in (sorted by the caller); `seed` hex, fresh per run. */
export function planLogins(names: readonly string[], settings: LoginSampleSettings, generatedAt: Date, seed: string): LoginPlan {
  const n = names.length;
  const pairsTotal = n * (n - 1);
  const budget = 2 + settings.rotatingPerTenant + settings.randomPerTenant;
  if (n - 1 <= budget) {
    const targets = names.map((_, i) => names.map((__, j) => j).filter((j) => j !== i));
    return { sample: { method: 'all-pairs', tenants: n, pairsTried: pairsTotal, pairsTotal }, targets };
  }
  const span = n - 3;
  const rotation = rotatingOffsets(span, settings, generatedAt);
  const fixed = [1, n - 1, ...rotation.offsets];
  const targets = names.map((name, i) =>
    [...fixed, ...randomOffsets({ name, seed, span }, settings.randomPerTenant, new Set(fixed))].map((d) => (i + d) % n),
  );
  const sample: LoginSample = {
    method: 'sampled',
    tenants: n,
    pairsTried: targets.reduce((sum, t) => sum + t.length, 0),
    pairsTotal,
    neighbourOffsets: [1, n - 1],
    rotation: { intervalSeconds: settings.intervalSeconds, ...rotation },
    random: { perTenant: settings.randomPerTenant, seed, rule: randomDrawRule },
  };
  return { sample, targets };
}

/** Window w of the offsets 2..n-2 in steps of `rotatingPerTenant`, w = the interval number mod the number of windows. */
function rotatingOffsets(
  span: number,
  settings: LoginSampleSettings,
  generatedAt: Date,
): { window: number; windows: number; offsets: number[] } {
  const per = Math.min(settings.rotatingPerTenant, span);
  if (per === 0) return { window: 0, windows: 0, offsets: [] };
  const windows = Math.ceil(span / per);
  const window = Math.floor(generatedAt.getTime() / 1000 / settings.intervalSeconds) % windows;
  const offsets = Array.from({ length: per }, (_, j) => 2 + ((window * per + j) % span));
  return { window, windows, offsets: [...new Set(offsets)] };
}

interface Draw {
  name: string;
  seed: string;
  /** n - 3: the offsets 2..n-2. */
  span: number;
}

function draw({ seed, name, span }: Draw, counter: number): number {
  return 2 + (createHash('sha256').update(`${seed}:${name}:${counter}`).digest().readUInt32BE(0) % span);
}

/** `count` offsets by randomDrawRule, none in `taken`; all that are left when fewer remain. */
export function randomOffsets(from: Draw, count: number, taken: ReadonlySet<number>): number[] {
  const { span } = from;
  const takenInSpan = [...taken].filter((d) => d >= 2 && d < 2 + span).length;
  if (count >= span - takenInSpan) return Array.from({ length: span }, (_, k) => 2 + k).filter((d) => !taken.has(d));
  const drawn = new Set<number>();
  for (let counter = 0; drawn.size < count; counter += 1) {
    const d = draw(from, counter);
    if (!taken.has(d)) drawn.add(d);
  }
  return [...drawn];
}
