/**
 * A directory of signed reports, each naming the digest of the one before it, so that a report
 * removed from the middle (or replaced) shows as a gap in the chain.
 *
 * Files are `audit-<generatedAt>.json` (colons as dashes), so names sort by time; a report's digest
 * is the SHA-256 of its file, which is its canonical signed form. Files are created exclusively and
 * never rewritten.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedReport } from './schema.js';
import { digestOf, serializeReport, type SignedReportFile } from './signing.js';
import { parseReport, verifyReport, type TrustedKey } from './verify.js';
import { errorMessage } from '../../runtime/errors.js';

const reportFilePattern = /^audit-.+\.json$/;

export function reportFileName(generatedAt: string): string {
  return `audit-${generatedAt.replaceAll(':', '-')}.json`;
}

/** The report files in `dir`, oldest first by name; none when the directory does not exist. */
export function listReportFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return names.filter((name) => reportFilePattern.test(name)).sort();
}

/**
 * What the next report's `previous` should be: the digest of the newest report in `dir`, or null
 * when there is none. Refuses to chain onto a file that is not a well-formed report.
 */
export function previousInStore(dir: string): { digest: string } | null {
  const newest = listReportFiles(dir).at(-1);
  if (newest === undefined) return null;
  const bytes = readFileSync(join(dir, newest));
  try {
    parseReport(bytes);
  } catch (error) {
    throw new Error(`cannot chain onto ${join(dir, newest)}: ${errorMessage(error)}`, { cause: error });
  }
  return { digest: digestOf(bytes) };
}

/** Writes the report as `audit-<timestamp>.json` in `dir` and returns its path and digest. */
export function saveReport(dir: string, report: SignedReport): { path: string; digest: string } {
  const bytes = serializeReport(report);
  return saveReportFile(dir, { report, bytes, digest: digestOf(bytes) });
}

/** saveReport for a report already laid out as its file (signReportFile). */
export function saveReportFile(dir: string, file: SignedReportFile): { path: string; digest: string } {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, reportFileName(file.report.generatedAt));
  writeFileSync(path, file.bytes, { flag: 'wx', mode: 0o644 });
  return { path, digest: file.digest };
}

export type ChainVerification =
  { ok: true; reports: number; newest?: { file: string; digest: string } } | { ok: false; reports: number; file: string; reason: string };

interface ChainLink {
  file: string;
  report: SignedReport;
  digest: string;
}

/**
 * Every report in `dir` verifies against the trusted key, and, in order of their signed
 * generatedAt, each names its predecessor's digest; the oldest must name none. The answer is the
 * first problem found.
 */
export function verifyChain(dir: string, trusted: TrustedKey): ChainVerification {
  const links: ChainLink[] = [];
  for (const file of listReportFiles(dir)) {
    const verification = verifyReport(readFileSync(join(dir, file)), trusted);
    if (!verification.ok) return { ok: false, reports: links.length, file, reason: verification.reason };
    links.push({ file, report: verification.report, digest: verification.digest });
  }
  links.sort((a, b) => compareLinks(a, b));
  for (const [index, link] of links.entries()) {
    const gap = gapBefore(link, links[index - 1]);
    if (gap) return { ok: false, reports: links.length, file: link.file, reason: gap };
  }
  const newest = links.at(-1);
  return { ok: true, reports: links.length, ...(newest ? { newest: { file: newest.file, digest: newest.digest } } : {}) };
}

function gapBefore(link: ChainLink, predecessor: ChainLink | undefined): string | undefined {
  const named = link.report.previous?.digest;
  if (predecessor === undefined) {
    return named === undefined
      ? undefined
      : `the oldest report names a previous report ${named} that is not in the directory (a gap, or earlier reports kept elsewhere)`;
  }
  if (named === undefined) return `names no previous report, but ${predecessor.file} (${predecessor.digest}) comes before it`;
  if (named !== predecessor.digest) {
    return `names previous report ${named}, but the report before it is ${predecessor.file} (${predecessor.digest}): a report is missing or was replaced between them`;
  }
  return undefined;
}

function compareLinks(a: ChainLink, b: ChainLink): number {
  if (a.report.generatedAt !== b.report.generatedAt) return a.report.generatedAt < b.report.generatedAt ? -1 : 1;
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}
