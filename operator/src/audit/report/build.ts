/**
 * buildReport: the parts of an audit (the checks each part returned, the objects read, the
 * reachability matrix, the inventory of each source) put together into one unsigned report in a
 * deterministic order, so that the same cluster state gives the same document and a diff between
 * two reports shows only what changed.
 */
import canonicalize from 'canonicalize';
import { setImmediate as turn } from 'node:timers/promises';
import type { AuditCheck, InputObject, ReachabilityCell, ReachabilityMatrix } from '../model.js';
import type { ProbedMatrix } from '../wire/model.js';
import { errored } from '../model.js';
import { controlsCovered } from './controls-covered.js';
import { inScope, reconcile, type Inventory } from './inventory.js';
import { networkEnforcementLimitation, standardLimitations } from './limitations.js';
import { reportFormat, type ReportScope, type UnsignedReport } from './schema.js';
import { compareText, summarize } from './summary.js';
import { toolVersion } from './tool.js';
import { validateReport, validateReportYielding } from './validate.js';

export interface ReportParts {
  generatedAt: Date;
  cluster: { server: string; kubeSystemUid: string };
  scope: ReportScope;
  /** The network analyzer's assumptions object, as it reports them. */
  assumptions: object;
  inputs: readonly InputObject[];
  checks: readonly AuditCheck[];
  inventory: Inventory;
  matrix: ReachabilityMatrix | null;
  /** The probes on the wire, when they ran. */
  probed?: ProbedMatrix;
  /** When the probes measured every attempt: the sentence that replaces "cannot prove enforcement". */
  measuredEnforcement?: string;
  /** From the report store: the digest of the newest earlier report, or null for the first. */
  previous: { digest: string } | null;
  /** Sentences added to the standard limitations (e.g. a check a part had to skip). */
  extraLimitations?: readonly string[];
  /** Defaults to operator/package.json's version. */
  toolVersion?: string;
}

/** Throws, naming the field and the rule, when a part handed over something that is not of the shared shapes. */
export function buildReport(parts: ReportParts): UnsignedReport {
  const steps = assembling(parts);
  let step = steps.next();
  while (!step.done) step = steps.next();
  validateReport(step.value);
  return step.value;
}

/**
 * buildReport with a turn of the event loop between its steps and while it checks the report (the
 * operator's Lease shares the loop): at a thousand tenants the sorts and tallies together held it
 * for 6-9 s on a loaded machine (docs/decisions/0051).
 */
export async function buildReportYielding(parts: ReportParts): Promise<UnsignedReport> {
  const steps = assembling(parts);
  let step = steps.next();
  while (!step.done) {
    await turn();
    step = steps.next();
  }
  await validateReportYielding(step.value);
  return step.value;
}

/**
 * The report from its parts, in its deterministic order, a step at a time; the objects the parts
 * made are kept, not copied.
 */
function* assembling(parts: ReportParts): Generator<void, UnsignedReport> {
  const inventory = inScope(parts.inventory, parts.scope);
  const reconciliation = reconcile(inventory);
  const partChecks = parts.checks.filter((check) => inScopeCheck(check, parts.scope));
  const checks = sortChecks([...partChecks, ...reconciliation.checks, ...uncheckedTenants(inventory, partChecks)]);
  yield;
  const matrix = parts.matrix === null ? null : sortMatrix(parts.matrix);
  yield;
  const summary = summarize(checks, tenantsInScope(parts.scope, inventory));
  yield;
  const controls = controlsCovered(checks);
  yield;
  return {
    format: reportFormat,
    generatedAt: parts.generatedAt.toISOString(),
    tool: { name: 'bulkhead', version: parts.toolVersion ?? toolVersion() },
    cluster: { ...parts.cluster },
    scope: parts.scope,
    assumptions: parts.assumptions as UnsignedReport['assumptions'],
    limitations: [...limitationsFor(parts.measuredEnforcement), ...(parts.extraLimitations ?? [])],
    inputs: sortInputs(parts.inputs),
    checks,
    counts: { ...reconciliation.counts, mismatches: reconciliation.checks.filter((check) => check.result !== 'pass') },
    matrix,
    ...(parts.probed ? { probed: parts.probed } : {}),
    summary,
    controls,
    previous: parts.previous,
  };
}

/** Exit status of an audit: non-zero when any finding exists (fail or error). */
export function exitCodeFor(report: Pick<UnsignedReport, 'summary'>): number {
  return report.summary.findings > 0 ? 1 : 0;
}

/** The standard sentences, "cannot prove enforcement" replaced by what was measured when the probes measured it. */
function limitationsFor(measured: string | undefined): string[] {
  return standardLimitations.map((sentence) => (sentence === networkEnforcementLimitation && measured ? measured : sentence));
}

function inScopeCheck(check: AuditCheck, scope: ReportScope): boolean {
  return scope.kind === 'all' || check.tenant === undefined || check.tenant === scope.tenant;
}

function tenantsInScope(scope: ReportScope, inventory: Inventory): string[] {
  return scope.kind === 'tenant' ? [scope.tenant] : [...new Set(inventory.tenants ?? [])];
}

/** A Tenant no part said anything about was not looked at: an error, so it cannot pass unseen. */
function uncheckedTenants(inventory: Inventory, checks: readonly AuditCheck[]): AuditCheck[] {
  const covered = new Set(checks.map((check) => check.tenant));
  return [...new Set(inventory.tenants ?? [])]
    .filter((tenant) => !covered.has(tenant))
    .map((tenant) =>
      errored({
        id: 'inventory.tenant-checked',
        category: 'inventory',
        tenant,
        title: `Tenant ${tenant} was examined by the audit`,
        reason: 'TenantNotExamined',
        message: `no check of the audit names Tenant ${tenant}`,
        evidence: { tenant },
      }),
    );
}

/** By category, fleet-wide before per-tenant, tenant, id, then the whole check as a tie-break. */
export function sortChecks(checks: readonly AuditCheck[]): AuditCheck[] {
  // Keys made once per check, and the whole check serialized only for a tie: made in the
  // comparison, they were half a million serializations at 300 tenants (docs/decisions/0024).
  const keys = new Map(checks.map((check) => [check, [check.category, check.tenant === undefined ? '0' : `1${check.tenant}`, check.id]]));
  const whole = new Map<AuditCheck, string>();
  const tieBreak = (check: AuditCheck): string => {
    const known = whole.get(check);
    if (known !== undefined) return known;
    const text = canonicalize(check) ?? '';
    whole.set(check, text);
    return text;
  };
  return [...checks].sort((a, b) => compareKeys(keys.get(a) ?? [], keys.get(b) ?? []) || compareText(tieBreak(a), tieBreak(b)));
}

export function sortInputs(inputs: readonly InputObject[]): InputObject[] {
  const key = (input: InputObject) => [input.apiVersion, input.kind, input.namespace ?? '', input.name, input.uid];
  return [...inputs].map((input) => ({ ...input })).sort((a, b) => compareKeys(key(a), key(b)));
}

/**
 * Namespaces by name with `(other)` last, cells in row-major order of that list, probes sorted. A
 * cell whose probes are already in order is kept as it is (most are empty): copying each of a
 * million cells was a third copy of the matrix at a thousand tenants.
 */
export function sortMatrix(matrix: ReachabilityMatrix): ReachabilityMatrix {
  const namespaces = [...matrix.namespaces].sort((a, b) => compareKeys(namespaceKey(a), namespaceKey(b)));
  const position = new Map(namespaces.map((namespace, index) => [namespace, index]));
  const at = (name: string) => position.get(name) ?? namespaces.length;
  const cells = matrix.cells.map((cell) =>
    inOrder(cell.allowed) ? cell : { from: cell.from, to: cell.to, allowed: [...cell.allowed].sort(compareText) },
  );
  const compareCells = (a: ReachabilityCell, b: ReachabilityCell): number => at(a.from) - at(b.from) || at(a.to) - at(b.to);
  // The analysis lists the cells in this order already; a million-cell sort that changes nothing
  // was seconds of a held event loop at a thousand tenants.
  if (cells.some((cell, index) => index > 0 && compareCells(cells[index - 1] as ReachabilityCell, cell) > 0)) cells.sort(compareCells);
  const sorted = { namespaces, probes: [...matrix.probes].sort(compareText), cells };
  return matrix.emptyCells === undefined ? sorted : { ...sorted, emptyCells: matrix.emptyCells };
}

function inOrder(texts: readonly string[]): boolean {
  return texts.every((text, index) => index === 0 || compareText(texts[index - 1] ?? '', text) <= 0);
}

function namespaceKey(namespace: string): string[] {
  return [namespace === '(other)' ? '1' : '0', namespace];
}

function compareKeys(a: readonly string[], b: readonly string[]): number {
  for (let index = 0; index < a.length; index += 1) {
    const order = compareText(a[index] ?? '', b[index] ?? '');
    if (order !== 0) return order;
  }
  return 0;
}
