/**
 * One part of an audit run (the network analysis, the exposure checks, access, guardrails,
 * databases, keys) and what becomes of it when it fails as a whole: an `error` check for every
 * tenant it would have judged, so that each of them is IsolationVerified=Unknown with the reason,
 * never True on the strength of the parts that did run.
 */
import type { Tenant } from '../api/tenant.js';
import { errored, type AuditCheck, type CheckCategory, type InputObject, type ReachabilityMatrix } from './model.js';
import type { Inventory } from './report/index.js';
import type { ProbedMatrix } from './wire/model.js';
import { errorMessage } from '../runtime/errors.js';

export interface PartResult {
  checks: AuditCheck[];
  inputs: InputObject[];
  matrix?: ReachabilityMatrix;
  inventory?: Partial<Inventory>;
  /** The probes on the wire (their part only). */
  probed?: ProbedMatrix;
  measuredEnforcement?: string;
  /** Sentences for the report's limitations (a sampled login matrix). */
  limitations?: string[];
}

export interface PartSpec {
  category: CheckCategory;
  /** Names the part in its check id when it fails: `network.analysis` becomes `network.analysis-failed`. */
  name: string;
  /** What the part does, as the failed check's title says it: "The NetworkPolicies could be analysed". */
  title: string;
}

/** The error checks of a part that failed: one per tenant, or one fleet-wide when there is none. */
export function partFailed(spec: PartSpec, tenants: readonly Tenant[], error: unknown): AuditCheck[] {
  const message = `this part of the audit failed, so nothing it checks was verified: ${errorMessage(error)}`;
  const check = {
    id: `${spec.category}.${spec.name}-failed`,
    category: spec.category,
    title: spec.title,
    reason: 'AuditPartFailed',
    message,
    evidence: null,
  };
  if (tenants.length === 0) return [errored(check)];
  return tenants.map((tenant) => errored({ ...check, tenant: tenant.metadata.name }));
}

/** Runs a part; if it throws, its error checks say what was not looked at. */
export async function runPart(spec: PartSpec, tenants: readonly Tenant[], run: () => Promise<PartResult>): Promise<PartResult> {
  try {
    return await run();
  } catch (error) {
    return { checks: partFailed(spec, tenants, error), inputs: [] };
  }
}

/**
 * A lane that runs the tasks given to it one after another, in the order given, whatever each
 * ends in. The audit's CPU-bound analyses go through one: started together they take turns on the
 * event loop and each holds its working set (pods, flows, bindings) until all are done, so the
 * peak was their sum (docs/decisions/0051).
 */
export function oneAtATime(): <T>(task: () => Promise<T>) => Promise<T> {
  let last: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const next = last.then(task);
    last = next.catch(() => undefined);
    return next;
  };
}
