/**
 * What is wrong with a window's evidence rather than with the cluster: each problem the chain walk
 * found in a report of the window (report/chain.ts), and each stretch of the window, edges
 * included, longer than the gap threshold without a verified report.
 */
import type { ChainEntry } from '../report/index.js';
import type { ChainFinding } from './schema.js';

/** The chain walk's problems of the window's entries, one finding each, naming the report. */
export function chainProblemFindings(entries: readonly ChainEntry[]): ChainFinding[] {
  return entries.flatMap((entry) =>
    entry.problems.map((problem) => ({
      kind: problem.kind,
      report: entry.file,
      ...(entry.verified || problem.kind === 'unreadable' || problem.kind === 'signature' ? { digest: entry.digest } : {}),
      message: `${entry.file}: ${problem.reason}`,
    })),
  );
}

/** Stretches without a report longer than `gapSeconds`, between the window's edges and the verified reports' times. */
export function gapFindings(
  period: { from: string; to: string },
  reports: readonly { file: string; generatedAt: string }[],
  gapSeconds: number,
): ChainFinding[] {
  const marks = [{ at: period.from }, ...reports.map((report) => ({ at: report.generatedAt, file: report.file })), { at: period.to }];
  const findings: ChainFinding[] = [];
  for (let index = 1; index < marks.length; index += 1) {
    const start = marks[index - 1];
    const end = marks[index];
    if (start === undefined || end === undefined) continue;
    const seconds = (Date.parse(end.at) - Date.parse(start.at)) / 1000;
    if (seconds <= gapSeconds) continue;
    findings.push({
      kind: 'gap',
      ...('file' in end && end.file !== undefined ? { report: end.file } : {}),
      from: start.at,
      to: end.at,
      message: `no report for ${describeSeconds(seconds)} from ${start.at} to ${end.at} (a gap is longer than ${describeSeconds(gapSeconds)})`,
    });
  }
  return findings;
}

/** 3 h 5 min, 45 s: for messages. */
export function describeSeconds(total: number): string {
  const seconds = Math.round(total);
  const parts = [
    [Math.floor(seconds / 86400), 'd'],
    [Math.floor((seconds % 86400) / 3600), 'h'],
    [Math.floor((seconds % 3600) / 60), 'min'],
    [seconds % 60, 's'],
  ] as const;
  const shown = parts.filter(([value]) => value > 0).map(([value, unit]) => `${value} ${unit}`);
  return shown.length === 0 ? '0 s' : shown.join(' ');
}
