/**
 * Judging a tenant's ResourceQuota and LimitRange against its plan. What the plan says is what the
 * operator's own builders make of it (resources/quota.ts), so the audit and the operator cannot
 * disagree on it. Quantities are compared by value: the server rewrites `2000m` as `2`.
 */
import { quantityValue } from '../../kube/semantic.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import { buildLimitRange, buildResourceQuota, limitRangeName, resourceQuotaName } from '../../resources/quota.js';
import type { TenantIdentity } from '../../resources/meta.js';
import type { KubeObject } from '../../runtime/types.js';
import { errored, failed, passed, type AuditCheck, type JsonValue } from '../model.js';

export interface QuotaObject extends KubeObject {
  spec?: { hard?: Record<string, string>; scopes?: string[]; scopeSelector?: unknown };
}

interface LimitItem {
  type?: string;
  [field: string]: unknown;
}

export interface LimitRangeObject extends KubeObject {
  spec?: { limits?: LimitItem[] };
}

export interface QuotaFacts {
  tenant: TenantIdentity;
  namespace: string;
  plan: TenantPlan | undefined;
  planName: string;
  quota: QuotaObject | undefined;
  limitRange: LimitRangeObject | undefined;
}

function sameQuantity(desired: string | undefined, live: string | undefined): boolean {
  if (desired === live) return true;
  if (desired === undefined || live === undefined) return false;
  const a = quantityValue(desired);
  return a !== undefined && a === quantityValue(live);
}

/** Each key of `desired` whose live value is absent or different, as `key: live (plan: desired)`. */
function differences(desired: Record<string, string>, live: Record<string, string | undefined>): string[] {
  return Object.entries(desired)
    .filter(([key, value]) => !sameQuantity(value, live[key]))
    .map(([key, value]) => `${key}: ${live[key] ?? 'absent'} (plan: ${value})`);
}

const externalServiceKeys = ['services.nodeports', 'services.loadbalancers'];

function quotaReason(diff: string[], scoped: boolean): string {
  if (diff.some((line) => externalServiceKeys.some((key) => line.startsWith(`${key}:`)))) return 'QuotaAllowsExternalServices';
  return scoped || diff.length > 0 ? 'QuotaDiffersFromPlan' : 'Verified';
}

function quotaDifferences(desired: Record<string, string>, quota: QuotaObject): { diff: string[]; scoped: boolean } {
  const diff = differences(desired, quota.spec?.hard ?? {});
  // A scope narrows a quota to some pods only (e.g. BestEffort), leaving the rest unlimited.
  const scoped = (quota.spec?.scopes?.length ?? 0) > 0 || quota.spec?.scopeSelector !== undefined;
  if (scoped) diff.push('the quota is scoped, so it does not cover every pod');
  return { diff, scoped };
}

export function judgeQuota(facts: QuotaFacts): AuditCheck {
  const base = {
    id: 'guardrails.resource-quota',
    category: 'guardrails' as const,
    tenant: facts.tenant.name,
    title: `ResourceQuota ${resourceQuotaName} in ${facts.namespace} holds plan ${facts.planName}'s limits, with no NodePort or LoadBalancer Service`,
  };
  if (!facts.plan)
    return errored({ ...base, reason: 'PlanNotFound', message: `TenantPlan ${facts.planName} does not exist`, evidence: null });
  if (!facts.quota)
    return failed({
      ...base,
      reason: 'QuotaMissing',
      message: `ResourceQuota ${facts.namespace}/${resourceQuotaName} does not exist`,
      evidence: null,
    });
  const desired = buildResourceQuota(facts.tenant, facts.namespace, facts.plan.spec.quota).spec as { hard: Record<string, string> };
  const live = facts.quota.spec?.hard ?? {};
  const { diff, scoped } = quotaDifferences(desired.hard, facts.quota);
  const evidence: JsonValue = { hard: live, plan: desired.hard, differences: diff };
  const reason = quotaReason(diff, scoped);
  if (reason === 'Verified') return passed({ ...base, message: `the quota matches plan ${facts.planName}`, evidence });
  return failed({
    ...base,
    reason,
    message: `ResourceQuota ${facts.namespace}/${resourceQuotaName} differs from plan ${facts.planName}: ${diff.join('; ')}`,
    evidence,
  });
}

/** The LimitRange item for containers, with its quantities as strings. */
function containerLimits(items: readonly LimitItem[] | undefined): Record<string, Record<string, string>> | undefined {
  return items?.find((item) => item.type === 'Container') as Record<string, Record<string, string>> | undefined;
}

export function judgeLimitRange(facts: QuotaFacts): AuditCheck {
  const base = {
    id: 'guardrails.limit-range',
    category: 'guardrails' as const,
    tenant: facts.tenant.name,
    title: `LimitRange ${limitRangeName} in ${facts.namespace} gives containers plan ${facts.planName}'s defaults and maximums`,
  };
  if (!facts.plan)
    return errored({ ...base, reason: 'PlanNotFound', message: `TenantPlan ${facts.planName} does not exist`, evidence: null });
  if (!facts.limitRange)
    return failed({
      ...base,
      reason: 'LimitRangeMissing',
      message: `LimitRange ${facts.namespace}/${limitRangeName} does not exist`,
      evidence: null,
    });
  const desired =
    containerLimits((buildLimitRange(facts.tenant, facts.namespace, facts.plan.spec.limits).spec as { limits: LimitItem[] }).limits) ?? {};
  const live = containerLimits(facts.limitRange.spec?.limits) ?? {};
  const diff = Object.entries(desired)
    .filter(([field]) => field !== 'type')
    .flatMap(([field, values]) => differences(values, live[field] ?? {}).map((line) => `${field}.${line}`));
  const evidence: JsonValue = { container: live as JsonValue, plan: desired as JsonValue, differences: diff };
  if (diff.length === 0) return passed({ ...base, message: `the limit range matches plan ${facts.planName}`, evidence });
  return failed({
    ...base,
    reason: 'LimitRangeDiffersFromPlan',
    evidence,
    message: `LimitRange ${facts.namespace}/${limitRangeName} differs from plan ${facts.planName}: ${diff.join('; ')}`,
  });
}
