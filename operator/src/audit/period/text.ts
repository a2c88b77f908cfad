/**
 * The text form of a period report, for a terminal: the verdict and window, the evidence's own
 * findings (gaps, missing or unverified reports), each finding's episode, the tenants, and the
 * reports it rests on. Report-supplied text goes through `printable`.
 */
import { printable } from '../report/escape.js';
import { describeSeconds } from './gaps.js';
import type { PeriodFinding, SignedPeriodReport, UnsignedPeriodReport } from './schema.js';

type PeriodReport = UnsignedPeriodReport | SignedPeriodReport;

export function formatPeriodText(report: PeriodReport): string {
  const { summary, period, interval } = report;
  const lines = [
    `Bulkhead audit period: ${summary.result.toUpperCase()} (${summary.chainFindings} evidence findings, ${summary.findings} findings of which ${summary.open} open, ${summary.reports} reports)`,
    `period:    ${period.from} to ${period.to}`,
    `interval:  ${describeSeconds(interval.seconds)} (${interval.source === 'flag' ? 'given' : 'inferred from the reports'}); a gap is longer than ${describeSeconds(interval.gapSeconds)}`,
    `signed:    ${'signature' in report ? `Ed25519, keyId ${report.signature.keyId}` : 'no'}`,
    ...report.trust.rotations.map(
      (rotation) => `rotation:  keyId ${rotation.from} to ${rotation.to} at ${rotation.at} (${printable(rotation.report)})`,
    ),
    '',
    'Evidence findings:',
    ...(report.chainFindings.length === 0
      ? ['  none']
      : report.chainFindings.map((finding) => `  ${finding.kind}: ${printable(finding.message)}`)),
    '',
    'Findings over the period:',
    ...(report.findings.length === 0 ? ['  none'] : report.findings.map(findingLine)),
    '',
    'Tenants:',
    ...report.tenants.map(
      (tenant) =>
        `  ${printable(tenant.tenant)}: ${tenant.firstSeen} to ${tenant.lastSeen}${tenant.onboarded ? ', onboarded in the period' : ''}${tenant.offboarded ? ', offboarded in the period' : ''}`,
    ),
    '',
    'Reports it rests on:',
    ...report.reports.map(
      (resting) => `  ${resting.generatedAt} ${resting.digest} ${printable(resting.file)} ${resting.result} (${resting.findings} findings)`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

function findingLine(finding: PeriodFinding): string {
  const where = `${printable(finding.check)}${finding.tenant === undefined ? '' : ` (${printable(finding.tenant)})`}`;
  const fixed =
    finding.fixedAt === null
      ? 'still open'
      : `fixed by ${finding.fixedAt}, ${describeSeconds(finding.secondsToRemediate ?? 0)} to remediate`;
  return `  ${where} ${finding.reasons.map(printable).join(', ')}: first seen ${finding.firstSeen}${finding.openAtStart ? ' (already at the start)' : ''}, last seen ${finding.lastSeen}, ${finding.sightings} sightings; ${fixed}`;
}
