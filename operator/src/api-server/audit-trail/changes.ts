/**
 * What a call changed, as the audit trail's outcome record carries it: each field the call set on
 * the Tenant and its new value (`owners`, `plan`, `region`, `network.allowEgressCIDRs`,
 * `app.version`, `database.deletionPolicy`, `suspended`, ...). Routes name their changes right after
 * the Kubernetes write succeeds, so a refused or failed call records none.
 *
 * Values are recorded as they are in the Tenant's spec: the spec holds no secrets by design, since
 * everyone who may read a Tenant reads it. The exception is `app.values`, the chart values, whose
 * contents are free-form and may hold a credential someone should not have put there: only their
 * keys are recorded.
 */
import type { Response } from 'express';
import type { FieldChange } from './record.js';
import type { AlongsideRecord } from './store.js';

/** Where a route leaves its changes for the outcome record. */
const changesLocal = 'auditChanges';
/** Where a route leaves writes that must commit in the outcome record's transaction. */
const alongsideLocal = 'auditAlongside';

/** Subtrees recorded by key only: their values are free-form. */
const recordedByKeyOnly = new Set(['app.values']);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Every field `spec` sets, flattened to dotted paths in name order: objects are walked, lists and
 * scalars are values (a list is set as a whole). Undefined fields were not set and are left out.
 */
export function specChanges(spec: Record<string, unknown>, prefix = ''): FieldChange[] {
  return Object.keys(spec)
    .sort()
    .flatMap((key): FieldChange[] => {
      const field = `${prefix}${key}`;
      const value = spec[key];
      if (value === undefined) return [];
      if (recordedByKeyOnly.has(field)) return [{ field, value: isPlainObject(value) ? Object.keys(value).sort() : [] }];
      return isPlainObject(value) ? specChanges(value, `${field}.`) : [{ field, value }];
    });
}

/** Called by a route once its change is made: the outcome record will carry `changes`. */
export function recordChanges(response: Response, changes: FieldChange[]): void {
  response.locals[changesLocal] = changes;
}

/** The changes a route named; none when it named none (it was refused, failed or replayed). */
export function changesOf(response: Response): FieldChange[] {
  return (response.locals[changesLocal] as FieldChange[] | undefined) ?? [];
}

/** Called by a route whose change has a durable part of its own (a placement): it commits with the outcome record. */
export function recordAlongside(response: Response, write: AlongsideRecord): void {
  response.locals[alongsideLocal] = [...alongsideOf(response), write];
}

export function alongsideOf(response: Response): AlongsideRecord[] {
  return (response.locals[alongsideLocal] as AlongsideRecord[] | undefined) ?? [];
}
