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
import type { ReconcileContext } from '../../runtime/controller.js';
import type { Logger } from '../../runtime/logging.js';
import type { OwnedObjects } from './owned-objects.js';
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
  /** Aborts when the reconcile must stop (the controller stops, leadership is lost). */
  signal: AbortSignal;
}

/** The shared client, caches and providers as one reconcile uses them: every call tied to its signal. */
export interface ReconcileScope {
  client: KubeClient;
  owned: OwnedObjects;
  providers: Providers;
}

export function reconcileScope(shared: { client: KubeClient; owned: OwnedObjects; providers: RegionalProviders }, context: ReconcileContext): ReconcileScope {
  const { signal } = context;
  return { client: shared.client.withSignal(signal), owned: shared.owned.withSignal(signal), providers: shared.providers.withSignal(signal) };
}

export interface StepOutcome {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  reason: Reason;
  message: string;
  /** Status fields the step reports besides its condition (e.g. the app version). */
  report?: Partial<TenantStatus>;
}

export type Step = (context: StepContext) => Promise<StepOutcome>;
