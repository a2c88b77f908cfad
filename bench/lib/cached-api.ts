/**
 * A measured proposal, not the product: the onboarding API with GET /v1/tenants/{name} answered
 * from a watch cache of Tenants (falling back to kube-apiserver on a miss, so a tenant created a
 * moment ago is still found) instead of one kube-apiserver GET per call. `make bench-api` runs it
 * beside the real `bulkhead api` to show what the change would buy. Run as a child process:
 *   KUBECONFIG=... PORT=... node --import tsx bench/lib/cached-api.ts
 */
import { createApp } from '../../operator/src/api-server/app.js';
import { LocalRateLimit } from '../../operator/src/api-server/rate-limit/local.js';
import { KubeTenantStore } from '../../operator/src/api-server/tenant-store.js';
import { KubeRestoreStore } from '../../operator/src/api-server/restore-store.js';
import { defaultTokenSecret, KubeTokenStore } from '../../operator/src/api-server/token-store.js';
import { apiVersion, TenantSchema, type Tenant } from '../../operator/src/api/tenant.js';
import { KubeClient } from '../../operator/src/kube/client.js';
import { listerWatcher } from '../../operator/src/kube/list-watch.js';
import { Informer } from '../../operator/src/runtime/informer.js';
import { createLogger } from '../../operator/src/runtime/logging.js';

const logger = createLogger({ silent: true });
const client = KubeClient.load(process.env.KUBECONFIG);
const informer = new Informer<Tenant & { metadata: { name: string } }>({
  name: 'tenants',
  logger,
  listerWatcher: listerWatcher(client, { apiVersion, kind: 'Tenant' }),
});

class CachedTenantStore extends KubeTenantStore {
  override async get(name: string): Promise<Tenant | undefined> {
    const cached = informer.store.get(name);
    return cached ? TenantSchema.parse(cached) : super.get(name);
  }
}

informer.start();
await informer.waitForSync();
const app = createApp({
  tenants: new CachedTenantStore(client),
  restores: new KubeRestoreStore(client),
  auth: { tokens: new KubeTokenStore({ client, secret: defaultTokenSecret }) },
  rateLimit: new LocalRateLimit({ capacity: 1_000_000, refillPerSecond: 1_000_000 }),
  auditTrail: null,
  logger,
});
app.listen(Number(process.env.PORT), '127.0.0.1');
