/**
 * The tenant reconcile, a short checklist: finalizer, plan, then each step in order. Every step's
 * outcome becomes a condition; a failing step does not hide the others, and the reconcile is
 * retried with backoff while any step fails. A deleted Tenant is finalized instead.
 */
import { ConditionType, Reason } from '../../api/conditions.js';
import { namespaceName } from '../../api/names.js';
import type { OperatorConfig } from '../../api/operator-config.js';
import type { Tenant, TenantStatus } from '../../api/tenant.js';
import type { TenantPlan } from '../../api/tenant-plan.js';
import type { KubeClient } from '../../kube/client.js';
import type { EventRecorder } from '../../kube/events.js';
import type { ReconcileContext, ReconcileOutcome } from '../../runtime/controller.js';
import type { Informer } from '../../runtime/informer.js';
import { once, reconcileScope, type Step, type StepContext, type StepOutcome } from './context.js';
import { DomainClaims } from './domain-claims.js';
import { noopStepMetrics, stepResult, type StepMetrics } from './metrics.js';
import { finalizeTenant } from './finalize.js';
import { addFinalizer } from './finalizer.js';
import type { OwnedObjects } from './owned-objects.js';
import type { RegionalProviders } from './regional-providers.js';
import type { PlatformAddressResolver } from './platform-addresses.js';
import { planRelease } from './release-plan.js';
import { nextStatus, writeStatus } from './status.js';
import { withSuspendedCondition } from './suspension.js';
import { CachingRenderer } from './release-renderer.js';
import { ensureApp } from './steps/app.js';
import { ensureDatabase } from './steps/database.js';
import { ensureEncryptionKey } from './steps/encryption-key.js';
import { ensureNamespace } from './steps/namespace.js';
import { ensureNetworkPolicies } from './steps/network-policies.js';
import { withOperatorAccess } from './steps/operator-access.js';
import { ensureQuota } from './steps/quota.js';
import { ensureOwnerAccess } from './steps/rbac.js';
import { errorMessage } from '../../runtime/errors.js';

export interface TenantReconcilerDeps {
  client: KubeClient;
  config: OperatorConfig;
  tenants: Informer<Tenant>;
  plans: Informer<TenantPlan>;
  owned: OwnedObjects;
  providers: RegionalProviders;
  events: EventRecorder;
  addresses: PlatformAddressResolver;
  /** Each step's duration and result; nothing is recorded when absent. */
  stepMetrics?: StepMetrics;
}

export interface NamedStep {
  type: ConditionType;
  run: Step;
}

/** The namespace step first, then the steps that need the namespace. */
export type Checklist = readonly [NamedStep, ...NamedStep[]];

/**
 * The checklist, in order: the namespace (with the operator's own access to it), which every other
 * step needs; then the guardrails; then what lives inside them.
 */
const tenantSteps: Checklist = [
  { type: ConditionType.NamespaceReady, run: withOperatorAccess(ensureNamespace) },
  { type: ConditionType.NetworkIsolated, run: ensureNetworkPolicies },
  { type: ConditionType.RbacReady, run: ensureOwnerAccess },
  { type: ConditionType.QuotaReady, run: ensureQuota },
  { type: ConditionType.DatabaseReady, run: ensureDatabase },
  { type: ConditionType.EncryptionKeyReady, run: ensureEncryptionKey },
  { type: ConditionType.AppDeployed, run: ensureApp },
];

/**
 * Steps that give people or code a foothold in the namespace: they run only once its
 * NetworkPolicies are in place, so no owner and no app pod ever exists in an unfenced namespace.
 */
const gatedOnNetworkIsolation: ReadonlySet<ConditionType> = new Set([ConditionType.RbacReady, ConditionType.AppDeployed]);

export class StepsFailedError extends Error {
  constructor(readonly failures: StepOutcome[]) {
    super(failures.map((f) => `${f.type}: ${f.message}`).join('; '));
    this.name = 'StepsFailedError';
  }
}

export class TenantReconciler {
  private readonly renderer: CachingRenderer;
  private readonly domainClaims: DomainClaims;
  /** The tenants reconciled since this process started (a lost lease ends it): the others are on their restart pass. */
  private readonly reconciled = new Set<string>();

  constructor(private readonly deps: TenantReconcilerDeps) {
    this.renderer = new CachingRenderer({ onRender: () => deps.stepMetrics?.observeRender?.() });
    this.domainClaims = new DomainClaims(deps.tenants.store, deps.config.network.baseDomain);
  }

  /** The other tenants whose domains overlap this one's: what they may serve depends on it. */
  readonly tenantsOverlapping = (tenant: Tenant): string[] => this.domainClaims.overlapping(tenant);

  readonly reconcile = async (key: string, context: ReconcileContext): Promise<ReconcileOutcome | void> => {
    const tenant = this.deps.tenants.store.get(key);
    if (!tenant) {
      this.reconciled.delete(key);
      return; // gone: its children went with it (owner references)
    }
    const scope = reconcileScope(this.deps, context);
    const writer = { client: scope.client, events: this.deps.events, logger: context.logger };
    if (tenant.metadata.deletionTimestamp) {
      return finalizeTenant({ ...this.deps, ...scope, writer, logger: context.logger, fence: context.fence }, tenant, context.logger);
    }

    await addFinalizer(scope.client, tenant);
    const plan = this.deps.plans.store.get(tenant.spec.plan);
    if (!plan) {
      // Nothing is created without a plan; the plan informer brings the tenant back when it appears.
      const outcome: StepOutcome = {
        type: ConditionType.NamespaceReady,
        status: 'False',
        reason: Reason.PlanNotFound,
        message: `TenantPlan ${tenant.spec.plan} does not exist`,
      };
      await writeStatus(writer, tenant, nextStatus(tenant, [outcome], {}, new Date()));
      return;
    }
    const stepContext: StepContext = {
      tenant: tenant as StepContext['tenant'],
      plan,
      namespace: namespaceName(tenant),
      config: this.deps.config,
      ...scope,
      logger: context.logger,
      signal: context.signal,
      fence: context.fence,
      release: once(() => planRelease(stepContext, this.renderer)),
      platformAddresses: () => this.deps.addresses.addresses(),
      domains: () => this.domainClaims.of(tenant),
      restartPass: !this.reconciled.has(key),
    };
    const outcomes = await runSteps(stepContext, tenantSteps, this.deps.stepMetrics);
    const reports = Object.assign({ namespace: stepContext.namespace }, ...outcomes.map((o) => o.report ?? {})) as Partial<TenantStatus>;
    const now = new Date();
    await writeStatus(writer, tenant, withSuspendedCondition(tenant, outcomes, nextStatus(tenant, outcomes, reports, now), now));
    this.reconciled.add(key);
    return nextAttempt(outcomes);
  };
}

/** How long a tenant whose steps are still progressing waits before the next look, if no watch event wakes it sooner. */
export const progressingRequeueMs = 2_000;

/**
 * What the steps' outcomes ask of the work queue: a retry with backoff (by throwing) while a step
 * fails; after the providers' delay when every failure is one that says when to come back (a
 * throttled KMS region), so a throttle is never answered with a faster retry; a look again after
 * progressingRequeueMs while one is progressing (a Deployment rolling out, a namespace still
 * terminating); nothing once all are done. A step waiting for another (DependenciesNotReady)
 * follows the one it waits for: were it counted as a failure, a terminating namespace would retry
 * the tenant from 5 ms up, dozens of times a second.
 */
export function nextAttempt(outcomes: readonly StepOutcome[]): ReconcileOutcome | undefined {
  const settled = new Set<string>([Reason.Progressing, Reason.DependenciesNotReady]);
  const failures = outcomes.filter((o) => o.status !== 'True' && !settled.has(o.reason));
  if (failures.length > 0 && failures.every((o) => o.retryAfterMs !== undefined)) {
    return { requeueAfterMs: Math.max(minimumRequeueMs, ...failures.map((o) => o.retryAfterMs ?? 0)) };
  }
  if (failures.length > 0) throw new StepsFailedError(failures);
  if (outcomes.some((o) => o.status !== 'True')) return { requeueAfterMs: progressingRequeueMs };
  return undefined;
}

/** A paced retry never comes sooner than this, even when the pacer has a turn at once. */
const minimumRequeueMs = 200;

/**
 * Runs the namespace step, then the others once the namespace is ready; a step that throws becomes
 * a False condition. Owner access and the app wait for NetworkIsolated (gatedOnNetworkIsolation).
 * Each step that runs is timed; one left waiting is not.
 */
export async function runSteps(context: StepContext, checklist: Checklist, metrics: StepMetrics = noopStepMetrics): Promise<StepOutcome[]> {
  const [namespaceStep, ...steps] = checklist;
  const run = (type: ConditionType, step: Step): Promise<StepOutcome> => timed(type, step, context, metrics);
  const namespace = await run(namespaceStep.type, namespaceStep.run);
  if (namespace.status !== 'True') {
    return [namespace, ...steps.map(({ type }) => waiting(type, `waiting for namespace ${context.namespace}`))];
  }
  const rest: StepOutcome[] = [];
  for (const { type, run: step } of steps) {
    const network = rest.find((outcome) => outcome.type === ConditionType.NetworkIsolated);
    const fenced = network === undefined || network.status === 'True';
    rest.push(
      gatedOnNetworkIsolation.has(type) && !fenced
        ? waiting(
            type,
            `waiting for NetworkIsolated (${network?.reason ?? 'not reported'}): owners are bound and the app deployed only inside the tenant's NetworkPolicies`,
          )
        : await run(type, step),
    );
  }
  return [namespace, ...rest];
}

function waiting(type: ConditionType, message: string): StepOutcome {
  return { type, status: 'False', reason: Reason.DependenciesNotReady, message };
}

async function timed(type: ConditionType, step: Step, context: StepContext, metrics: StepMetrics): Promise<StepOutcome> {
  const started = process.hrtime.bigint();
  const outcome = await runStep(type, step, context);
  metrics.observeStep(type, stepResult(outcome), Number(process.hrtime.bigint() - started) / 1e9);
  return outcome;
}

/**
 * A step's own failures are outcomes with its reasons (a provider's fault, a refused render); what
 * a step throws is kube-apiserver refusing or failing one of its reads or writes: ApplyFailed.
 */
async function runStep(type: ConditionType, step: Step, context: StepContext): Promise<StepOutcome> {
  try {
    return await step(context);
  } catch (error) {
    const message = errorMessage(error);
    context.logger.error(`Step ${type} failed`, { error: message });
    return { type, status: 'False', reason: Reason.ApplyFailed, message };
  }
}
