/**
 * Every finding of a window's reports as episodes: a check (per tenant) failing from its first
 * sighting until the first later report that covers it and no longer shows it. A report scoped to
 * one tenant says nothing about the others' checks, so it neither fixes nor extends their episodes.
 */
import type { SignedReport } from '../report/index.js';
import type { PeriodFinding } from './schema.js';

interface Episode {
  check: string;
  tenant?: string;
  category: string;
  reasons: Set<string>;
  firstSeen: string;
  lastSeen: string;
  sightings: number;
  openAtStart: boolean;
  fixedAt: string | null;
}

const keyOf = (check: string, tenant: string | undefined): string => `${check}\u0000${tenant ?? ''}`;

function covers(report: SignedReport, tenant: string | undefined): boolean {
  return report.scope.kind === 'all' || (tenant !== undefined && report.scope.tenant === tenant);
}

/** `reports` oldest first, each verified. */
export function findingEpisodes(reports: readonly SignedReport[]): PeriodFinding[] {
  const open = new Map<string, Episode>();
  const closed: Episode[] = [];
  for (const [index, report] of reports.entries()) {
    const failing = new Set<string>();
    for (const check of report.checks.filter((candidate) => candidate.result !== 'pass')) {
      const key = keyOf(check.id, check.tenant);
      failing.add(key);
      const episode = open.get(key) ?? startEpisode(open, { key, check, at: report.generatedAt, openAtStart: index === 0 });
      episode.lastSeen = report.generatedAt;
      episode.sightings += 1;
      episode.reasons.add(check.reason);
    }
    for (const [key, episode] of open) {
      if (failing.has(key) || !covers(report, episode.tenant)) continue;
      episode.fixedAt = report.generatedAt;
      closed.push(episode);
      open.delete(key);
    }
  }
  return [...closed, ...open.values()].map(asFinding).sort(compareFindings);
}

function startEpisode(
  open: Map<string, Episode>,
  {
    key,
    check,
    at,
    openAtStart,
  }: { key: string; check: { id: string; tenant?: string; category: string }; at: string; openAtStart: boolean },
): Episode {
  const episode: Episode = {
    check: check.id,
    ...(check.tenant === undefined ? {} : { tenant: check.tenant }),
    category: check.category,
    reasons: new Set(),
    firstSeen: at,
    lastSeen: at,
    sightings: 0,
    openAtStart,
    fixedAt: null,
  };
  open.set(key, episode);
  return episode;
}

function asFinding({ reasons, fixedAt, firstSeen, ...episode }: Episode): PeriodFinding {
  const seconds = fixedAt === null ? null : Math.round((Date.parse(fixedAt) - Date.parse(firstSeen)) / 1000);
  return { ...episode, firstSeen, reasons: [...reasons].sort(), fixedAt, secondsToRemediate: seconds };
}

function compareFindings(a: PeriodFinding, b: PeriodFinding): number {
  return compare(a.firstSeen, b.firstSeen) || compare(a.check, b.check) || compare(a.tenant ?? '', b.tenant ?? '');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
