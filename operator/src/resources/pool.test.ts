/** The pool namespace's builders: the tenant builders' objects made the pool's, the tenants ConfigMap, the release's name. */
import assert from 'node:assert/strict';
import { buildResourceQuota } from './quota.js';
import {
  adoptPoolReleaseObjects,
  asPoolObject,
  buildPoolNamespace,
  buildPoolTenantsConfigMap,
  poolIdentity,
  poolQuota,
  poolReleaseName,
  poolTenantsOf,
} from './pool.js';

describe('the pool builders', () => {
  it('name the release <chart>-<version> with dots made dashes, within Helm’s 53 characters', () => {
    assert.equal(poolReleaseName('tenant-app', '1.4.2'), 'tenant-app-1-4-2');
    assert.equal(poolReleaseName('tenant-app', '2.0.0-rc.1+build.7'), 'tenant-app-2-0-0-rc-1-build-7');
    assert.ok(poolReleaseName('a'.repeat(40), '1.2.3-' + 'b'.repeat(30)).length <= 53);
  });

  it('make a tenant guardrail the pool’s: the pool label, no tenant label, no owner reference', () => {
    const quota = asPoolObject(buildResourceQuota(poolIdentity('eu-central-1'), 'bulkhead-pool-eu-central-1', poolQuota), 'eu-central-1');
    assert.equal(quota.metadata.ownerReferences, undefined);
    assert.deepEqual(quota.metadata.labels, { 'app.kubernetes.io/managed-by': 'bulkhead', 'bulkhead.dev/pool': 'eu-central-1' });
  });

  it('build the pool namespace at Pod Security restricted, with no tenant label a tenant namespace check would take for one', () => {
    const namespace = buildPoolNamespace('eu-central-1', 'v1.36');
    assert.equal(namespace.metadata.name, 'bulkhead-pool-eu-central-1');
    assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    assert.equal(namespace.metadata.labels?.['bulkhead.dev/tenant'], undefined);
    assert.equal(namespace.metadata.labels?.['bulkhead.dev/tenant-uid'], undefined);
  });

  it('list each tenant in the ConfigMap with a reference to its credentials, never a password', () => {
    const configMap = buildPoolTenantsConfigMap('eu-central-1', 'tenant-app-1-4-2', [
      { tenant: 'globex', schema: 'tenant_globex', database: 'bulkhead_pool' },
      { tenant: 'acme', schema: 'tenant_acme', database: 'bulkhead_pool' },
    ]);
    assert.deepEqual(poolTenantsOf(configMap), ['acme', 'globex']);
    const data = (configMap as unknown as { data: Record<string, string> }).data;
    assert.deepEqual(JSON.parse(data.acme ?? ''), {
      schema: 'tenant_acme',
      database: 'bulkhead_pool',
      credentials: { secret: 'tenant-app-1-4-2-credentials', key: 'acme.uri' },
    });
    assert.equal(configMap.metadata.labels?.['bulkhead.dev/pool-release'], 'tenant-app-1-4-2');
  });

  it('adopt rendered objects into the pool namespace under the release’s label, owned by no tenant', () => {
    const [adopted] = adoptPoolReleaseObjects(
      [{ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'tenant-app-1-4-2', ownerReferences: [] } }],
      'eu-central-1',
      'tenant-app-1-4-2',
    );
    assert.equal(adopted?.metadata.namespace, 'bulkhead-pool-eu-central-1');
    assert.equal(adopted?.metadata.ownerReferences, undefined);
    assert.equal(adopted?.metadata.labels?.['bulkhead.dev/pool-release'], 'tenant-app-1-4-2');
  });
});
