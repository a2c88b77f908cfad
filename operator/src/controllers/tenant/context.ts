/**
 * What every step of the tenant reconcile works with: the tenant and its plan, the operator's
 * settings, the client and the caches of the objects Bulkhead owns. Steps return a StepOutcome
 * that becomes one status condition, so no step can hide another's failure. The client, caches
 * and providers are the reconcile's own views (reconcileScope): their calls stop with `signal`.
 */
import type { ConditionType, Reason } from '../../api/conditions.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { ReconcileContext } from '../../runtime/controller.js';
import type { LeadershipFence } from '../../runtime/fence.js';
import type { Logger } from '../../runtime/logging.js';
import type { TenantDomains } from '../../resources/domains.js';
import type { OwnedObjects } from './owned-objects.js';
import type { PlatformAddresses } from './platform-addresses.js';
import type { SharedReleaseContext } from './pool-membership.js';
import type { ReleasePlan } from './release-plan.js';
import type { Providers, RegionalProviders } from './regional-providers.js';

export interface StepContext {
  tenant: Tenant & { metadata: { uid: string } };
  plan: TenantPlan;
  namespace: string;
  config: OperatorConfig;
  client: KubeClient;
  owned: OwnedObjects;
  providers: Providers;
  logger: Logger;
  /** The release this reconcile applies, rendered on first use and shared by the steps that read it. */
  release: () => Promise<ReleasePlan>;
  /** The shared servers' addresses and the ranges declared egress must not reach. */
  platformAddresses: () => Promise<PlatformAddresses>;
  /** The host names the tenant may serve, given every tenant's claims. */
  domains: () => TenantDomains;
  /** Aborts when the reconcile must stop (the controller stops, leadership is lost). */
  signal: AbortSignal;
  /** Confirms leadership before a destructive act: a promotion's clearing of an old copy and its drop from the pool, a stray pool grant revoked. */
  fence: LeadershipFence;
  /** Events on the Tenant, for the steps that move through stages a reader follows (a promotion's). */
  events?: EventRecorder;
  /**
   * The tenant's first reconcile since this operator started or took over: provider state its
   * status shows verified for the same inputs is trusted until the next pass (provider-trust.ts).
   */
  restartPass: boolean;
  /** For a tenant served by a shared release (steps/shared-app.ts): the caches of every tenant and plan. */
  sharedRelease?: SharedReleaseContext;
}

/** The shared client, caches and providers as one reconcile uses them: every call tied to its signal. */
export interface ReconcileScope {
  client: KubeClient;
  owned: OwnedObjects;
  providers: Providers;
}

export function reconcileScope(
  shared: { client: KubeClient; owned: OwnedObjects; providers: RegionalProviders },
  context: ReconcileContext,
): ReconcileScope {
  const { signal } = context;
  return {
    client: shared.client.withSignal(signal),
    owned: shared.owned.withSignal(signal),
    providers: shared.providers.withSignal(signal),
  };
}

export interface StepOutcome {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
  /** Status fields the step reports besides its condition (e.g. the app version). */
  report?: Partial<TenantStatus>;
  /**
   * A failure that must not be retried sooner than this (a provider's pacer says when its next
   * turn is): the reconcile is requeued after it instead of on the work queue's backoff.
   */
  retryAfterMs?: number;
}

export type Step = (context: StepContext) => Promise<StepOutcome>;

/** The outcome builder of the step that owns condition `type`: every outcome it returns names that condition. */
export function outcomeFor(type: ConditionType) {
  return (status: StepOutcome['status'], reason: Reason, message: string, report?: StepOutcome['report']): StepOutcome => ({
    type,
    status,
    reason,
    message,
    ...(report ? { report } : {}),
  });
}

/** Runs `compute` on the first call only and hands every caller the same promise. */
export function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}
