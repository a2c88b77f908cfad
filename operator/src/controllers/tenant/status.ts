/**
 * The Tenant's status: conditions from the step outcomes plus a Ready summary, written with
 * server-side apply on the status subresource, and only when something changed. Transitions of
 * Ready (and failures of a step) become Events on the Tenant.
 */
import { isDeepStrictEqual } from 'node:util';
import { auditConditionTypes, ConditionType, findCondition, setCondition, summarizeReady, type Condition } from '../../api/conditions.js';
import { fieldManager } from '../../api/labels.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { Logger } from '../../runtime/logging.js';
import type { StepOutcome } from './context.js';
import { errorMessage } from '../../runtime/errors.js';

export interface StatusWriter {
  client: KubeClient;
  events: EventRecorder;
  logger: Logger;
  now?: () => Date;
}

/** The next status: each outcome as a condition for this generation, then Ready over `required`. */
export function nextStatus(tenant: Tenant, outcomes: StepOutcome[], extra: Partial<TenantStatus>, now: Date): TenantStatus {
  const generation = tenant.metadata.generation ?? 0;
  let conditions: Condition[] = [...(tenant.status?.conditions ?? [])];
  for (const { type, status, reason, message } of outcomes) {
    conditions = setCondition(conditions, { type, status, reason, message, observedGeneration: generation }, now);
  }
  conditions = setCondition(
    conditions,
    summarizeReady(
      conditions,
      generation,
      outcomes.map((o) => o.type),
    ),
    now,
  );
  return { ...tenant.status, ...extra, observedGeneration: generation, conditions };
}

const normalized = (value: unknown): unknown => JSON.parse(JSON.stringify(value ?? {}));

/** Writes the status if it changed; returns the Tenant as it now is (with its new resourceVersion). */
export async function writeStatus(writer: StatusWriter, tenant: Tenant, status: TenantStatus): Promise<Tenant> {
  if (isDeepStrictEqual(normalized(tenant.status), normalized(status))) return tenant;
  // The audit's conditions are carried in `status` only so the comparison above sees them; applying
  // them would co-own them and could put back a value the audit has since changed. The same holds
  // for status.backups, which the backup scheduler owns (controllers/backup).
  const owned = {
    ...status,
    backups: undefined,
    conditions: (status.conditions ?? []).filter((c) => !auditConditionTypes.includes(c.type as ConditionType)),
  };
  const updated = await writer.client.applyStatus<Tenant>(
    { apiVersion: tenant.apiVersion, kind: tenant.kind, metadata: { name: tenant.metadata.name }, status: owned } as Tenant,
    { fieldManager, force: true },
  );
  await recordTransitions(writer, tenant, status.conditions ?? []);
  return updated;
}

/** One Event per change of Ready: Normal when it becomes True, a Warning with the blocking reason otherwise. */
async function recordTransitions(writer: StatusWriter, tenant: Tenant, next: Condition[]): Promise<void> {
  const before = findCondition(tenant.status?.conditions, ConditionType.Ready);
  const after = findCondition(next, ConditionType.Ready);
  if (!after || (before?.status === after.status && before.reason === after.reason)) return;
  const ready = after.status === 'True';
  await writer.events
    .record(tenant, ready ? 'Normal' : 'Warning', ready ? 'Ready' : after.reason, after.message)
    .catch((error: unknown) => writer.logger.warn('Could not record event', { reason: after.reason, error: errorMessage(error) }));
}
