/**
 * The providers' state as the status last recorded it. A tenant's first reconcile after the
 * operator starts (or takes over) may trust its database and key to be as verified, when the
 * status shows that step True for this generation and verified against the same inputs: a restart
 * then asks PostgreSQL and KMS nothing, instead of a thousand tenants' reads at once against KMS's
 * read quotas. The tenant's next pass (its periodic resync within tenantResyncPeriodMs, or any
 * event sooner) verifies them again, as every later pass does (docs/decisions/0037).
 */
import { createHash } from 'node:crypto';
import { findCondition, type ConditionType } from '../../api/conditions.js';
import type { TenantStatus } from '../../api/tenant.js';
import { canonicalJson } from '../../providers/release/index.js';
import type { StepContext, StepOutcome } from './context.js';

/** `sha256:<hex>` of what a provider's state was verified against. */
export function inputsDigest(inputs: unknown): string {
  return `sha256:${createHash('sha256').update(canonicalJson(inputs)).digest('hex')}`;
}

/**
 * The step's outcome carried from the status, with `report` as its status fields, when this pass
 * may trust it; undefined when the provider must be asked.
 */
export function trustedOutcome(
  context: Pick<StepContext, 'tenant' | 'restartPass'>,
  type: ConditionType,
  verified: { recorded: string | undefined; inputs: string },
  report: Partial<TenantStatus>,
): StepOutcome | undefined {
  if (!context.restartPass || verified.recorded === undefined || verified.recorded !== verified.inputs) return undefined;
  const condition = findCondition(context.tenant.status?.conditions, type);
  if (condition?.status !== 'True' || condition.observedGeneration !== context.tenant.metadata.generation) return undefined;
  return { type, status: 'True', reason: condition.reason as StepOutcome['reason'], message: condition.message, report };
}
