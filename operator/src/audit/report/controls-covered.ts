/**
 * The report's "controls covered" section, derived from its checks alone: per control of the
 * catalogue, the checks that give evidence for it with their pass/fail/error counts, and the
 * tenants they covered. A control no check of this report covers is listed as not covered (with
 * the reason when it is deliberately not claimed); a check the mapping does not name is listed as
 * unmapped, never silently dropped.
 *
 * `verify` recounts the section from the report's own checks and the check ids the section lists,
 * so a section that misstates its checks is refused, while a report made with another version of
 * the mapping still verifies.
 */
import type { AuditCheck } from '../model.js';
import { controlCatalogue, controlsOf, type Control } from './controls.js';
import type { ControlsCovered } from './schema.js';
import { compareText } from './summary.js';

type Coverage = ControlsCovered['controls'][number];
type CheckCounts = Coverage['checks'][number];

export function controlsCovered(checks: readonly AuditCheck[]): ControlsCovered {
  const unmapped = new Set<string>();
  const section = coverage(checks, controlCatalogue, (id) => {
    const controls = controlsOf(id);
    if (controls === undefined) unmapped.add(id);
    return controls ?? [];
  });
  return { ...section, unmapped: [...unmapped].sort(compareText) };
}

/** The section recounted from `checks` with the catalogue and pairings the section states itself. */
export function recountControls(section: ControlsCovered, checks: readonly AuditCheck[]): ControlsCovered {
  const pairings = new Map<string, string[]>();
  for (const control of section.controls) {
    for (const check of control.checks) pairings.set(check.id, [...(pairings.get(check.id) ?? []), control.id]);
  }
  const catalogue = section.controls.map(({ framework, id, title, notClaimed }) => ({
    framework,
    id,
    title,
    ...(notClaimed === undefined ? {} : { notClaimed }),
  }));
  return { ...coverage(checks, catalogue, (id) => pairings.get(id) ?? []), unmapped: section.unmapped };
}

function coverage(
  checks: readonly AuditCheck[],
  catalogue: readonly Control[],
  controlsFor: (checkId: string) => readonly string[],
): Omit<ControlsCovered, 'unmapped'> {
  const tallies = new Map(catalogue.map((control) => [control.id, { checks: new Map<string, CheckCounts>(), tenants: new Set<string>() }]));
  const known = new Map<string, readonly string[]>();
  for (const check of checks) {
    const controls = known.get(check.id) ?? controlsFor(check.id);
    known.set(check.id, controls);
    for (const id of controls) {
      const tally = tallies.get(id);
      if (!tally) continue;
      const counts = tally.checks.get(check.id) ?? { id: check.id, pass: 0, fail: 0, error: 0 };
      counts[check.result] += 1;
      tally.checks.set(check.id, counts);
      if (check.tenant !== undefined) tally.tenants.add(check.tenant);
    }
  }
  return {
    controls: catalogue.map((control) => {
      const tally = tallies.get(control.id);
      const rows = [...(tally?.checks.values() ?? [])].sort((a, b) => compareText(a.id, b.id));
      return covered(control, rows, [...(tally?.tenants ?? [])].sort(compareText));
    }),
  };
}

function covered(control: Control, checks: CheckCounts[], tenants: string[]): Coverage {
  const total = { pass: 0, fail: 0, error: 0 };
  for (const row of checks) {
    total.pass += row.pass;
    total.fail += row.fail;
    total.error += row.error;
  }
  const status = checks.length === 0 ? 'not-covered' : total.fail + total.error > 0 ? 'not-satisfied' : 'satisfied';
  return {
    framework: control.framework,
    id: control.id,
    title: control.title,
    ...(control.notClaimed === undefined ? {} : { notClaimed: control.notClaimed }),
    status,
    ...total,
    checks,
    tenants,
  };
}
