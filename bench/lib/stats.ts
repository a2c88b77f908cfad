/** Small statistics and table printing for benchmark output. */

/** The p-th percentile (0..100) by nearest rank; NaN for no samples. */
export function percentile(samples: number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] ?? Number.NaN;
}

export interface Distribution {
  p50: number;
  p95: number;
  max: number;
}

export function distribution(samples: number[]): Distribution {
  return { p50: percentile(samples, 50), p95: percentile(samples, 95), max: percentile(samples, 100) };
}

/** Seconds with one decimal below 100, whole above. */
export function seconds(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  const s = ms / 1000;
  return s < 100 ? s.toFixed(2) : s.toFixed(0);
}

/** A Markdown table, so the printed output can be pasted into docs/performance.md as it is. */
export function table(header: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string => `| ${cells.map(String).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Runs `work` over items with at most `limit` in flight. */
export async function inPool<T, R>(items: T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const runner = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
  return results;
}
