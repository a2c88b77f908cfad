/**
 * The machine's limit: onboarding tenants with no controller at all. It creates exactly what the
 * operator creates (namespace, quota, limit range, NetworkPolicies, RoleBinding, database and
 * role, credentials Secret, KMS key and alias, key ConfigMap, the rendered chart) by calling the
 * operator's own step functions, but with nothing cached (every object is applied), every tenant
 * at once and every step after the namespace in parallel, no queue, no status, no retries. It is
 * done when every tenant's Deployments are available, as the operator's AppDeployed demands.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { OperatorConfig } from '../../operator/src/api/operator-config.js';
import { managedByLabel, managedByValue } from '../../operator/src/api/labels.js';
import { namespaceName } from '../../operator/src/api/names.js';
import type { TenantPlan } from '../../operator/src/api/tenant-plan.js';
import { apiVersion } from '../../operator/src/api/tenant.js';
import type { StepContext, StepOutcome } from '../../operator/src/controllers/tenant/context.js';
import { OwnedObjects, ownedKinds, type OwnedKind } from '../../operator/src/controllers/tenant/owned-objects.js';
import { RegionalProviders } from '../../operator/src/controllers/tenant/regional-providers.js';
import { CachingRenderer } from '../../operator/src/controllers/tenant/release-renderer.js';
import { ensureApp } from '../../operator/src/controllers/tenant/steps/app.js';
import { once } from '../../operator/src/controllers/tenant/context.js';
import { PlatformAddressResolver } from '../../operator/src/controllers/tenant/platform-addresses.js';
import { planRelease } from '../../operator/src/controllers/tenant/release-plan.js';
import { tenantDomains } from '../../operator/src/resources/domains.js';
import { ensureDatabase } from '../../operator/src/controllers/tenant/steps/database.js';
import { ensureEncryptionKey } from '../../operator/src/controllers/tenant/steps/encryption-key.js';
import { ensureNamespace } from '../../operator/src/controllers/tenant/steps/namespace.js';
import { ensureNetworkPolicies } from '../../operator/src/controllers/tenant/steps/network-policies.js';
import { withOperatorAccess } from '../../operator/src/controllers/tenant/steps/operator-access.js';
import { ensureQuota } from '../../operator/src/controllers/tenant/steps/quota.js';
import { ensureOwnerAccess } from '../../operator/src/controllers/tenant/steps/rbac.js';
import type { KubeClient } from '../../operator/src/kube/client.js';
import { listerWatcher } from '../../operator/src/kube/list-watch.js';
import { deploymentProblem } from '../../operator/src/resources/release-objects.js';
import { unelectedFence } from '../../operator/src/runtime/fence.js';
import { Informer } from '../../operator/src/runtime/informer.js';
import { createLogger } from '../../operator/src/runtime/logging.js';
import type { KubeObject } from '../../operator/src/runtime/types.js';

export interface PlainTimes {
  guardrails: number;
  ready: number;
}

const logger = createLogger({ silent: true });

/** OwnedObjects whose caches are never started: every ensure applies, as a script would. */
function uncachedObjects(client: KubeClient): OwnedObjects {
  const informers = Object.fromEntries(
    Object.entries(ownedKinds).map(([kind, { apiVersion }]) => [
      kind,
      new Informer({ name: kind, logger, listerWatcher: listerWatcher(client, { apiVersion, kind }) }),
    ]),
  );
  return new OwnedObjects(informers as Record<OwnedKind, Informer<KubeObject>>, client);
}

function mustSucceed(outcomes: StepOutcome[]): void {
  const failed = outcomes.filter((o) => o.status !== 'True' && o.reason !== 'Progressing');
  if (failed.length > 0) throw new Error(failed.map((o) => `${o.type}: ${o.reason} ${o.message}`).join('; '));
}

export class PlainOnboarding {
  private readonly owned: OwnedObjects;
  private readonly providers: RegionalProviders;
  private readonly renderer = new CachingRenderer();
  private readonly addresses: PlatformAddressResolver;

  /** `client` writes as the operator's identity; `reader` reads the Tenant and its plan (the operator's identity may only list and watch them). */
  constructor(
    private readonly client: KubeClient,
    private readonly config: OperatorConfig,
    private readonly reader: KubeClient,
  ) {
    this.owned = uncachedObjects(client);
    this.providers = new RegionalProviders(config, client, logger);
    this.addresses = new PlatformAddressResolver(config);
  }

  /** Transient failures (a busy database pool, say) retried, as any script would. */
  retries = 0;

  /** Onboards one tenant (already created, so its UID owns the children); returns when the guardrails were in place. */
  async onboard(name: string): Promise<number> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.onboardOnce(name);
      } catch (error) {
        if (attempt >= 10) throw error;
        this.retries++;
        await sleep(500);
      }
    }
  }

  private async onboardOnce(name: string): Promise<number> {
    const tenant = await this.reader.get<StepContext['tenant']>({ apiVersion, kind: 'Tenant', name });
    if (!tenant) throw new Error(`tenant ${name} does not exist`);
    const plan = await this.reader.get<TenantPlan & KubeObject>({ apiVersion, kind: 'TenantPlan', name: tenant.spec.plan });
    if (!plan) throw new Error(`plan ${tenant.spec.plan} does not exist`);
    const context: StepContext = {
      tenant,
      plan,
      namespace: namespaceName(tenant),
      config: this.config,
      client: this.client,
      owned: this.owned,
      providers: this.providers,
      logger,
      // The script keeps no status to trust: it asks the providers every time.
      restartPass: false,
      release: once(() => planRelease(context, this.renderer)),
      platformAddresses: () => this.addresses.addresses(),
      // The benchmark's tenants declare no domains of their own.
      domains: () => tenantDomains({ name, domains: [] }, [], this.config.network.baseDomain),
      signal: new AbortController().signal,
      // One process, no leader election: nobody else acts.
      fence: unelectedFence(new AbortController().signal),
    };
    // The operator's own RoleBinding first: without it the operator's identity writes nothing in the namespace.
    mustSucceed([await withOperatorAccess(ensureNamespace)(context)]);
    const guardrails = Promise.all([ensureNetworkPolicies, ensureOwnerAccess, ensureQuota].map((step) => step(context))).then(
      (outcomes) => {
        mustSucceed(outcomes);
        return Date.now();
      },
    );
    guardrails.catch(() => undefined); // awaited below; a failure of the rest must not leave it unhandled
    const stack = Promise.all([ensureDatabase, ensureEncryptionKey, ensureApp].map((step) => step(context)));
    mustSucceed(await stack);
    return guardrails;
  }

  /** Waits until every tenant's Deployments are available; returns when each namespace got there. */
  async waitAvailable(names: string[], timeoutMs: number): Promise<Map<string, number>> {
    const done = new Map<string, number>();
    const deadline = Date.now() + timeoutMs;
    while (done.size < names.length) {
      if (Date.now() > deadline)
        throw new Error(`${names.length - done.size} tenants' Deployments not available after ${timeoutMs / 1000} s`);
      const deployments = await this.client.list<KubeObject>('apps/v1', 'Deployment', {
        labelSelector: `${managedByLabel}=${managedByValue}`,
      });
      const healthy = new Map<string, boolean>();
      for (const d of deployments.items) {
        const ns = d.metadata.namespace ?? '';
        healthy.set(ns, (healthy.get(ns) ?? true) && deploymentProblem(d) === undefined);
      }
      const now = Date.now();
      for (const name of names) if (!done.has(name) && healthy.get(`tenant-${name}`)) done.set(name, now);
      await sleep(250);
    }
    return done;
  }

  async close(): Promise<void> {
    await this.providers.close();
  }
}
