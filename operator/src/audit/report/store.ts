/**
 * A directory of signed reports, each naming the digest of the one before it, so that a report
 * removed from the middle (or replaced) shows as a gap in the chain.
 *
 * Files are `audit-<generatedAt>.json` (colons as dashes), so names sort by time; a report's digest
 * is the SHA-256 of its file, which is its canonical signed form. Files are created exclusively and
 * never rewritten. Reading a directory back as a chain is chain.ts.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedReport } from './schema.js';
import { digestOf, serializeReport, type SignedReportFile } from './signing.js';
import { parseReport } from './verify.js';
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
