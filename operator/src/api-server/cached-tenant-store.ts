/**
 * Tenants read from a watch cache. `GET /v1/tenants/{name}` is what sales ops poll while a tenant
 * provisions; answering it from an informer's cache instead of one kube-apiserver round trip per
 * call is what lets the API hold its latency target (docs/performance.md). Lists, plans and every
 * write still go to kube-apiserver.
 *
 * The cache lags a write by the time its watch event takes to arrive, so a replica reads a tenant
 * it has itself just written from kube-apiserver for a few seconds (read-your-writes for a caller
 * that retries on the same replica), and a name the cache does not hold is looked up live, so a
 * tenant created through another replica a moment ago is still found.
 */
import { TenantSchema, type Tenant } from '../api/index.js';
import type { KubeClient } from '../kube/client.js';
import type { Informer } from '../runtime/informer.js';
import { KubeTenantStore } from './tenant-store.js';

/** How long a tenant this replica wrote is read live rather than from the cache. */
const ownWriteWindowMs = 5_000;
/** Past this many remembered writes, the expired ones are forgotten. */
const rememberedWritesLimit = 1_000;

export class CachedTenantStore extends KubeTenantStore {
  private readonly writtenUntil = new Map<string, number>();
  private readonly parsedVersions = new WeakMap<Tenant, Tenant>();

  constructor(
    client: KubeClient,
    private readonly informer: Informer<Tenant>,
    private readonly now: () => number = Date.now,
  ) {
    super(client);
  }

  override async get(name: string): Promise<Tenant | undefined> {
    if ((this.writtenUntil.get(name) ?? 0) > this.now() || !this.informer.hasSynced()) return super.get(name);
    const cached = this.informer.store.get(name);
    return cached === undefined ? super.get(name) : this.parsed(cached);
  }

  /**
   * The cached object validated once per version, not once per request (a zod parse of a Tenant was
   * 3-4% of the API's CPU in bench-api, decision 0064): the informer replaces an object when it
   * changes, so one object is one version. Callers share the result and only read it.
   */
  private parsed(cached: Tenant): Tenant {
    let tenant = this.parsedVersions.get(cached);
    if (!tenant) {
      tenant = TenantSchema.parse(cached);
      this.parsedVersions.set(cached, tenant);
    }
    return tenant;
  }

  override async create(tenant: Tenant): Promise<Tenant> {
    this.remember(tenant.metadata.name);
    return super.create(tenant);
  }

  override async mergePatch(name: string, patch: unknown): Promise<Tenant> {
    this.remember(name);
    return super.mergePatch(name, patch);
  }

  override async delete(name: string, uid: string): Promise<boolean> {
    this.remember(name);
    return super.delete(name, uid);
  }

  private remember(name: string): void {
    const now = this.now();
    if (this.writtenUntil.size >= rememberedWritesLimit) {
      for (const [written, until] of this.writtenUntil) if (until <= now) this.writtenUntil.delete(written);
    }
    this.writtenUntil.set(name, now + ownWriteWindowMs);
  }
}
