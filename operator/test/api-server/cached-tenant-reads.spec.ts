/**
 * GET /v1/tenants/{name} from the watch cache validates each cached version once (decision 0064):
 * a tenant changed by someone else is answered in its new version, never the one validated first.
 */
import assert from 'node:assert/strict';
import { eventually, testEnvironment } from '@bulkhead/testenv';
import { CachedTenantStore } from '../../src/api-server/cached-tenant-store.js';
import { apiVersion, tenantKind, type Tenant } from '../../src/api/index.js';
import { KubeClient } from '../../src/kube/client.js';
import { listerWatcher } from '../../src/kube/list-watch.js';
import { Informer } from '../../src/runtime/informer.js';
import { prepareCluster } from '../support/setup.js';
import { createLogger } from '../../src/runtime/logging.js';
import { apiFixture, call, listen, newTenant, runId, type ApiFixture, type RunningApi } from './support.js';

describe('tenant reads from the watch cache', function () {
  let fixture: ApiFixture;
  let admin: KubeClient;
  let tenantCache: Informer<Tenant>;
  let api: RunningApi;
  const name = `cached-${runId}`;

  before(async function () {
    await prepareCluster();
    fixture = apiFixture();
    admin = KubeClient.load(testEnvironment().kubeconfig);
    tenantCache = new Informer<Tenant>({
      name: 'tenants',
      logger: createLogger({ silent: true }),
      listerWatcher: listerWatcher<Tenant>(admin, { apiVersion, kind: tenantKind }),
    });
    tenantCache.start();
    assert.equal(await tenantCache.waitForSync(), true);
    api = await listen(fixture.deps({ tenants: new CachedTenantStore(admin, tenantCache) }));
  });

  after(async function () {
    await api?.close();
    await tenantCache?.stop();
    await admin?.delete({ apiVersion, kind: tenantKind, name });
    admin?.close();
  });

  it('answers the version the cache holds now, after another writer changed the tenant', async function () {
    const token = await fixture.mint('sales-ops');
    // Created by another writer (not this store), so the read comes from the cache, not from a live read of its own write.
    const { name: _name, displayName, ...spec } = newTenant(name);
    await admin.create({ apiVersion, kind: tenantKind, metadata: { name }, spec: { displayName, ...spec } } as never, {
      fieldManager: 'spec',
    });
    const displayed = async () => {
      const reply = await call(api, 'GET', `/v1/tenants/${name}`, { token });
      return reply.status === 200 ? (reply.body as { displayName?: string }).displayName : undefined;
    };
    await eventually('the cache to hold the tenant', async () => (await displayed()) === displayName);
    assert.equal(await displayed(), displayName, 'the same version read twice');
    await admin.mergePatch({ apiVersion, kind: tenantKind, name }, { spec: { displayName: 'Renamed Corp' } }, { fieldManager: 'spec' });
    await eventually('the new version to be answered', async () => (await displayed()) === 'Renamed Corp', 30_000);
  });
});
