/**
 * What every step of the tenant reconcile works with: the tenant and its plan, the operator's
 * settings, the client and the caches of the objects Bulkhead owns. Steps return a StepOutcome
 * that becomes one status condition, so no step can hide another's failure.
 */
import type { ConditionType, Reason } from '../../api/conditions.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { Logger } from '../../runtime/logging.js';
import type { TenantDomains } from '../../resources/domains.js';
import type { OwnedObjects } from './owned-objects.js';
import type { PlatformAddresses } from './platform-addresses.js';
import type { ReleasePlan } from './release-plan.js';
import type { RegionalProviders } from './regional-providers.js';

export interface StepContext {
  tenant: Tenant & { metadata: { uid: string } };
  plan: TenantPlan;
  namespace: string;
  config: OperatorConfig;
  client: KubeClient;
  owned: OwnedObjects;
  providers: RegionalProviders;
  logger: Logger;
  /** The release this reconcile applies, rendered on first use and shared by the steps that read it. */
  release: () => Promise<ReleasePlan>;
  /** The shared servers' addresses and the ranges declared egress must not reach. */
  platformAddresses: () => Promise<PlatformAddresses>;
  /** The host names the tenant may serve, given every tenant's claims. */
  domains: () => TenantDomains;
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

/** Runs `compute` on the first call only and hands every caller the same promise. */
export function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let result: Promise<T> | undefined;
  return () => (result ??= compute());
}
