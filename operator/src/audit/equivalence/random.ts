/**
 * A seeded pseudo-random generator for the equivalence tests (mulberry32): the same seed gives the
 * same inputs, so a failure names its seed and is reproduced with EQUIVALENCE_SEEDS=<seed>.
 */
export interface Random {
  /** In [0, 1). */
  next(): number;
  int(below: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

export function seeded(seed: number): Random {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (below: number): number => Math.floor(next() * below);
  return {
    next,
    int,
    pick: <T>(items: readonly T[]): T => items[int(items.length)] as T,
    chance: (probability: number) => next() < probability,
  };
}

/**
 * The seeds a run tries: EQUIVALENCE_SEEDS when set (comma-separated), else a fixed few and one
 * new per run, so that runs keep exploring while a failure stays reproducible from its message.
 */
export function seeds(fixed: readonly number[]): number[] {
  const given = process.env.EQUIVALENCE_SEEDS;
  if (given) return given.split(',').map(Number);
  return [...fixed, Math.floor(Math.random() * 2 ** 31)];
}
