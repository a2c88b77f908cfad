/**
 * A directory of chained reports read whole, every problem kept: each file verified in the order of
 * its signed generatedAt with the keys trusted so far (trust.ts), and each verified report's
 * `previous` compared with the verified report before it. `verifyChain` below stops at the
 * first problem; the period report (audit/period) turns each into a finding that names the report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SignedReport } from './schema.js';
import { digestOf } from './signing.js';
import { listReportFiles, reportFileName } from './store.js';
import { ChainTrust, type AcceptedRotation } from './trust.js';
import { parseReport, type TrustedKey } from './verify.js';
import { errorMessage } from '../../runtime/errors.js';

export type ChainProblemKind = 'unreadable' | 'signature' | 'missing' | 'reordered' | 'restarted' | 'start';

export interface ChainProblem {
  kind: ChainProblemKind;
  reason: string;
}

export interface ChainEntry {
  file: string;
  digest: string;
  /** The report as parsed; absent when the file is not a well-formed report. */
  report?: SignedReport;
  /** Whether it verified with a key trusted at its place in the chain. */
  verified: boolean;
  rotation?: AcceptedRotation;
  problems: ChainProblem[];
}

/** Every report file of `dir`, oldest first by signed time (unreadable files by name), each with its problems. */
export function readChain(dir: string, trusted: readonly TrustedKey[]): ChainEntry[] {
  const entries = listReportFiles(dir).map((file) => readEntry(dir, file));
  entries.sort((a, b) => compareText(sortKey(a), sortKey(b)) || compareText(a.file, b.file));
  const trust = new ChainTrust(trusted);
  // Read again rather than held: a chain over a year holds thousands of reports.
  for (const entry of entries) verifyEntry(entry, readFileSync(join(dir, entry.file)), trust);
  linkEntries(entries);
  return entries;
}

function readEntry(dir: string, file: string): ChainEntry {
  const bytes = readFileSync(join(dir, file));
  const entry: ChainEntry = { file, digest: digestOf(bytes), verified: false, problems: [] };
  try {
    entry.report = parseReport(bytes);
  } catch (error) {
    entry.problems.push({ kind: 'unreadable', reason: errorMessage(error) });
  }
  return entry;
}

function sortKey(entry: ChainEntry): string {
  return entry.report ? reportFileName(entry.report.generatedAt) : entry.file;
}

function verifyEntry(entry: ChainEntry, bytes: Buffer, trust: ChainTrust): void {
  const { report } = entry;
  if (report === undefined) return;
  const verification = trust.verify(bytes, report);
  if (!verification.ok) {
    entry.problems.push({ kind: 'signature', reason: verification.reason });
    return;
  }
  entry.verified = true;
  entry.digest = verification.digest;
  if (verification.rotation) entry.rotation = verification.rotation;
}

/** Each verified report against the verified report before it in time. */
function linkEntries(entries: readonly ChainEntry[]): void {
  const byDigest = new Map(entries.map((entry) => [entry.digest, entry]));
  let predecessor: ChainEntry | undefined;
  for (const entry of entries.filter((candidate) => candidate.verified)) {
    const problem = linkProblem(entry, predecessor, byDigest);
    if (problem) entry.problems.push(problem);
    predecessor = entry;
  }
}

function linkProblem(entry: ChainEntry, predecessor: ChainEntry | undefined, byDigest: Map<string, ChainEntry>): ChainProblem | undefined {
  const named = entry.report?.previous?.digest;
  if (predecessor === undefined) {
    if (named === undefined) return undefined;
    return {
      kind: 'start',
      reason: `the oldest report names a previous report ${named} that is not in the directory (a gap, or earlier reports kept elsewhere)`,
    };
  }
  if (named === undefined) {
    return {
      kind: 'restarted',
      reason: `names no previous report, but ${predecessor.file} (${predecessor.digest}) comes before it: a new chain was started, or the report was replaced`,
    };
  }
  if (named === predecessor.digest) return undefined;
  const elsewhere = byDigest.get(named);
  if (elsewhere?.verified) {
    return {
      kind: 'reordered',
      reason: `names previous report ${elsewhere.file} (${named}), but the report before it in time is ${predecessor.file} (${predecessor.digest}): the chain is out of order`,
    };
  }
  return {
    kind: 'missing',
    reason: `names previous report ${named}, but the report before it is ${predecessor.file} (${predecessor.digest}): a report is missing or was replaced between them`,
  };
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export type ChainVerification =
  | {
      ok: true;
      reports: number;
      newest?: { file: string; digest: string };
      keyIds: string[];
      rotations: (AcceptedRotation & { file: string })[];
    }
  | { ok: false; reports: number; file: string; reason: string };

/**
 * Every report in `dir` verifies with a key given or handed over to by a rotation, and, in order of
 * their signed generatedAt, each names its predecessor's digest; the oldest must name none. The
 * answer is the first problem found.
 */
export function verifyChain(dir: string, trusted: TrustedKey | readonly TrustedKey[]): ChainVerification {
  const entries = readChain(dir, Array.isArray(trusted) ? trusted : [trusted as TrustedKey]);
  const failing = entries.find((entry) => entry.problems.length > 0);
  if (failing) return { ok: false, reports: entries.length, file: failing.file, reason: failing.problems[0]?.reason ?? '' };
  const newest = entries.at(-1);
  return {
    ok: true,
    reports: entries.length,
    ...(newest ? { newest: { file: newest.file, digest: newest.digest } } : {}),
    keyIds: [...new Set(entries.map((entry) => entry.report?.signature.keyId ?? ''))],
    rotations: entries.flatMap((entry) => (entry.rotation ? [{ ...entry.rotation, file: entry.file }] : [])),
  };
}
