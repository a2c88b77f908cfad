/**
 * The shapes every part of `bulkhead audit` shares: a check with its evidence and result, the
 * objects the audit read (named by uid and resourceVersion so the report can be reproduced), and
 * the tenant-to-tenant reachability matrix the HTML report draws.
 *
 * Each part (network, access, guardrails, data) returns checks; the report collects them, counts
 * findings and signs the whole. A check that could not be carried out is an `error`, never a
 * `pass`: an auditor must be able to tell "verified" from "not looked at".
 */

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export type CheckCategory = 'network' | 'access' | 'guardrails' | 'database' | 'key' | 'inventory';

/** pass: verified; fail: a finding; error: the check could not be carried out (also a finding). */
export type CheckResult = 'pass' | 'fail' | 'error';

export interface AuditCheck {
  /** Stable identifier of the kind of check, e.g. `access.secrets-readers`, `database.cross-connect`. */
  id: string;
  category: CheckCategory;
  /** The tenant the check is about; absent for fleet-wide checks (counts, inventory). */
  tenant?: string;
  /** One sentence an auditor reads: what was checked. */
  title: string;
  result: CheckResult;
  /** CamelCase, as in conditions: `Verified` when passing, else why (e.g. `ForeignSubjectCanReadSecrets`). */
  reason: string;
  /** What was found, in words; names the object and rule that caused a finding. */
  message: string;
  /** What was looked at, machine-readable (objects, rules, review answers, SQL errors). Never secrets. */
  evidence: JsonValue;
}

/** An input object, so the report names exactly which state it judged. */
export interface InputObject {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
  uid: string;
  resourceVersion: string;
}

/** One cell of the tenant reachability matrix: may any pod in `from` open a connection to any pod in `to`? */
export interface ReachabilityCell {
  from: string;
  to: string;
  /** The probes (e.g. `TCP/80`) that are allowed from some pod of `from` to some pod of `to`. */
  allowed: string[];
}

/**
 * Reachability between tenant namespaces (and the pseudo-namespace `(other)` for the rest of the
 * cluster), for every ordered pair including a namespace with itself.
 */
export interface ReachabilityMatrix {
  namespaces: string[];
  probes: string[];
  /** Every ordered pair (dense, reports before decision 0056), or with `emptyCells` only the pairs where something is allowed. */
  cells: ReachabilityCell[];
  /** A sparse matrix's count of the ordered pairs it leaves out, each allowing nothing (report/matrix-cells.ts). */
  emptyCells?: number;
}

export const isFinding = (check: AuditCheck): boolean => check.result !== 'pass';

export function passed(fields: Omit<AuditCheck, 'result' | 'reason'>): AuditCheck {
  return { ...fields, result: 'pass', reason: 'Verified' };
}

export function failed(fields: Omit<AuditCheck, 'result'>): AuditCheck {
  return { ...fields, result: 'fail' };
}

/** A check that could not be carried out; the reason says why (e.g. `DatabaseUnreachable`). */
export function errored(fields: Omit<AuditCheck, 'result'>): AuditCheck {
  return { ...fields, result: 'error' };
}
