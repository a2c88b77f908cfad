/**
 * What the exports share: the controls a check gives evidence for, as the report itself states them
 * (its signed `controls` section), or by the current mapping for a report written before the
 * section existed; and control ids as OSCAL tokens.
 */
import { controlCatalogue, controlsOf } from '../report/controls.js';
import type { SignedReport } from '../report/schema.js';

export interface ControlRef {
  framework: string;
  id: string;
}

/**
 * The controls each check of the report gives evidence for, looked up once per export: the report's
 * own pairings when it states them, else the current mapping.
 */
export function reportControls(report: SignedReport): (checkId: string) => ControlRef[] {
  const section = report.controls;
  if (section === undefined) {
    return (checkId) => {
      const ids = controlsOf(checkId) ?? [];
      return controlCatalogue.filter((control) => ids.includes(control.id)).map(({ framework, id }) => ({ framework, id }));
    };
  }
  const pairings = new Map<string, ControlRef[]>();
  for (const { framework, id, checks } of section.controls) {
    for (const check of checks) pairings.set(check.id, [...(pairings.get(check.id) ?? []), { framework, id }]);
  }
  return (checkId) => pairings.get(checkId) ?? [];
}

/** An OSCAL token must begin with a letter: ISO/IEC 27001 Annex A controls are written `A.8.22`, SOC 2 criteria as they are. */
export function oscalControlId(control: { framework: string; id: string }): string {
  return control.framework === 'SOC 2' ? control.id : `A.${control.id}`;
}

/** OSCAL's string type: no leading, trailing or line-breaking whitespace, never empty. */
export function propertyText(text: string): string {
  const collapsed = text.replace(/\s+/g, ' ').trim();
  return collapsed === '' ? '(none)' : collapsed;
}
