/**
 * buildPeriodReport: a window of a chain, read by the chain walk (report/chain.ts), as one unsigned
 * period report. Pure: the same entries and options give the same document.
 *
 * A gap is a stretch without a verified report longer than 1.5 audit intervals: the operator waits
 * one interval after each run ends, so reports are an interval plus a run apart, and a missed run
 * makes two (docs/decisions/0034).
 */
import type { ChainEntry, SignedReport } from '../report/index.js';
import { toolVersion } from '../report/tool.js';
import { chainProblemFindings, gapFindings } from './gaps.js';
import { periodReportFormat, unsignedPeriodReportSchema, type PeriodRestingReport, type UnsignedPeriodReport } from './schema.js';
import { findingEpisodes } from './sightings.js';
import { periodSummary } from './signing.js';
import { tenantsOverPeriod } from './tenants.js';

export const gapFactor = 1.5;

export interface PeriodOptions {
  from: Date;
  to: Date;
  /** The audit interval; absent: the median spacing of the window's reports. */
  intervalSeconds?: number;
  /** The keyIds the verifier was given. */
  given: readonly string[];
  generatedAt: Date;
  toolVersion?: string;
}

/** A period that cannot be built as asked (too few reports to infer the interval): the caller's to fix. */
export class PeriodInputError extends Error {}

export function buildPeriodReport(entries: readonly ChainEntry[], options: PeriodOptions): UnsignedPeriodReport {
  const period = { from: options.from.toISOString(), to: options.to.toISOString() };
  const window = entries.filter((entry) => inWindow(entry, period));
  const verified = window.filter((entry) => entry.verified && entry.report !== undefined);
  const reports = verified.map((entry) => entry.report as SignedReport);
  const interval = intervalOf(reports, options.intervalSeconds);
  const resting = verified.map(restingOn);
  const chainFindings = [...chainProblemFindings(window), ...gapFindings(period, resting, interval.gapSeconds)];
  const findings = findingEpisodes(reports);
  const tenants = tenantsOverPeriod(reports);
  const document: Omit<UnsignedPeriodReport, 'summary'> = {
    format: periodReportFormat,
    generatedAt: options.generatedAt.toISOString(),
    tool: { name: 'bulkhead', version: options.toolVersion ?? toolVersion() },
    period,
    interval,
    trust: {
      given: [...options.given],
      rotations: entries.flatMap((entry) => (entry.rotation ? [{ ...entry.rotation, report: entry.file }] : [])),
    },
    reports: resting,
    chainFindings,
    findings,
    tenants,
  };
  return unsignedPeriodReportSchema.parse({ ...document, summary: periodSummary(document) });
}

function restingOn(entry: ChainEntry): PeriodRestingReport {
  const report = entry.report as SignedReport;
  return {
    file: entry.file,
    digest: entry.digest,
    generatedAt: report.generatedAt,
    keyId: report.signature.keyId,
    scope: report.scope.kind === 'all' ? 'all' : report.scope.tenant,
    result: report.summary.result,
    findings: report.summary.findings,
  };
}

/** A report by its signed time; a file that is no report by the time in its name (kept when the name has none). */
function inWindow(entry: ChainEntry, period: { from: string; to: string }): boolean {
  const at = entry.report?.generatedAt ?? timeInFileName(entry.file);
  return at === undefined || (at >= period.from && at <= period.to);
}

function timeInFileName(file: string): string | undefined {
  const match = /^audit-(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2}\.\d{3})Z\.json$/.exec(file);
  return match ? `${match[1]}T${match[2]}:${match[3]}:${match[4]}Z` : undefined;
}

function intervalOf(reports: readonly SignedReport[], given: number | undefined): UnsignedPeriodReport['interval'] {
  if (given !== undefined) return { seconds: given, source: 'flag', gapSeconds: Math.ceil(given * gapFactor) };
  const times = reports.map((report) => Date.parse(report.generatedAt));
  const spacings = times.slice(1).map((time, index) => (time - (times[index] ?? time)) / 1000);
  if (spacings.length === 0)
    throw new PeriodInputError(
      `the window holds ${reports.length} verified report(s): too few to infer the audit interval; pass --interval`,
    );
  const sorted = spacings.sort((a, b) => a - b);
  const seconds = Math.max(1, Math.round(sorted[Math.floor(sorted.length / 2)] ?? 1));
  return { seconds, source: 'inferred', gapSeconds: Math.ceil(seconds * gapFactor) };
}
