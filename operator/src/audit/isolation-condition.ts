/**
 * The IsolationVerified condition each Tenant gets from the periodic audit: True when every check
 * about the tenant passed, False (IsolationViolated) when one found something, Unknown
 * (AuditIncomplete) when a check could not be carried out, its own or a fleet-wide one (a part of
 * the audit that failed leaves every tenant unverified, never True). Checks about tenants already
 * deleted (offboarding exports) judge no live tenant. It is written with its own
 * field manager, so the tenant's reconcile never owns or reverts it, and only when it changed.
 */
import { ConditionType, Reason, findCondition, setCondition, type Condition, type ConditionUpdate } from '../api/conditions.js';
import type { Tenant } from '../api/tenant.js';
import type { KubeClient } from '../kube/client.js';
import { errorFields, type Logger } from '../runtime/logging.js';
import { aboutDeletedTenants } from './data/offboarding-checks.js';
import type { AuditCheck } from './model.js';

export const auditFieldManager = 'bulkhead-audit';

/** At most this many findings are named in the message; the count is always exact. */
const findingsNamed = 3;

/** After a run that failed as a whole: nothing was verified, for any tenant. */
export function auditFailedCondition(tenant: Tenant, error: string): ConditionUpdate {
  return {
    type: ConditionType.IsolationVerified,
    observedGeneration: tenant.metadata.generation ?? 0,
    status: 'Unknown',
    reason: 'AuditFailed',
    message: `The isolation audit could not run: ${error}`.slice(0, 4096),
  };
}

export function isolationCondition(tenant: Tenant, all: readonly AuditCheck[]): ConditionUpdate {
  return isolationConditions(all)(tenant);
}

/**
 * The condition of every tenant of one run, the checks sorted by tenant once: filtering the whole
 * list per tenant was tenants × checks steps per run (75 million at 1000 tenants).
 */
export function isolationConditions(all: readonly AuditCheck[]): (tenant: Tenant) => ConditionUpdate {
  const byTenant = new Map<string, AuditCheck[]>();
  const fleetErrors: AuditCheck[] = [];
  // Checks about deleted tenants (offboarding exports) are reported, but judge no live tenant.
  for (const check of all) {
    if (aboutDeletedTenants(check)) continue;
    if (check.tenant === undefined) {
      if (check.result === 'error') fleetErrors.push(check);
      continue;
    }
    const mine = byTenant.get(check.tenant);
    if (mine) mine.push(check);
    else byTenant.set(check.tenant, [check]);
  }
  return (tenant) => conditionOf(tenant, byTenant.get(tenant.metadata.name) ?? [], fleetErrors);
}

function conditionOf(tenant: Tenant, mine: readonly AuditCheck[], fleetErrors: readonly AuditCheck[]): ConditionUpdate {
  const failures = mine.filter((check) => check.result === 'fail');
  const errors = [...mine.filter((check) => check.result === 'error'), ...fleetErrors];
  const base = { type: ConditionType.IsolationVerified, observedGeneration: tenant.metadata.generation ?? 0 };
  if (mine.length === 0) {
    return { ...base, status: 'Unknown', reason: 'AuditIncomplete', message: 'The audit ran no check about this tenant.' };
  }
  if (failures.length > 0) {
    return { ...base, status: 'False', reason: Reason.IsolationViolated, message: summary(failures, mine.length) };
  }
  if (errors.length > 0) {
    return { ...base, status: 'Unknown', reason: 'AuditIncomplete', message: summary(errors, mine.length + fleetErrors.length) };
  }
  return { ...base, status: 'True', reason: 'Verified', message: `All ${mine.length} isolation checks passed.` };
}

function summary(findings: readonly AuditCheck[], total: number): string {
  const named = findings.slice(0, findingsNamed).map((check) => `${check.id} ${check.reason}: ${check.message}`);
  const more = findings.length > findingsNamed ? ` (and ${findings.length - findingsNamed} more)` : '';
  return `${findings.length} of ${total} checks found a problem: ${named.join('; ')}${more}`.slice(0, 4096);
}

/** Applies the condition when it differs from the Tenant's; returns whether it wrote. */
export async function writeIsolationCondition(client: KubeClient, tenant: Tenant, update: ConditionUpdate, now: Date): Promise<boolean> {
  const current = tenant.status?.conditions ?? [];
  const next = setCondition(current, update, now);
  const condition = findCondition(next, ConditionType.IsolationVerified) as Condition;
  if (condition === findCondition(current, ConditionType.IsolationVerified)) return false;
  const patch: Pick<Tenant, 'apiVersion' | 'kind' | 'metadata'> & { status: { conditions: Condition[] } } = {
    apiVersion: tenant.apiVersion,
    kind: tenant.kind,
    metadata: { name: tenant.metadata.name },
    status: { conditions: [condition] },
  };
  await client.applyStatus(patch, { fieldManager: auditFieldManager, force: true });
  return true;
}

/**
 * Writes each Tenant's condition as `conditionOf` judges it and returns how many changed. Tenants
 * being deleted are left alone: their condition no longer matters and the write could race the
 * finalizer. A write that fails is logged and the others go on.
 */
export async function writeIsolationConditions(
  { client, logger, now }: { client: KubeClient; logger: Logger; now: Date },
  tenants: readonly Tenant[],
  conditionOf: (tenant: Tenant) => ConditionUpdate,
): Promise<number> {
  let changed = 0;
  for (const tenant of tenants.filter((t) => !t.metadata.deletionTimestamp)) {
    const wrote = await writeIsolationCondition(client, tenant, conditionOf(tenant), now).catch((error: unknown) => {
      logger.warn('Could not set IsolationVerified', { tenant: tenant.metadata.name, ...errorFields(error) });
      return false;
    });
    if (wrote) changed += 1;
  }
  return changed;
}
