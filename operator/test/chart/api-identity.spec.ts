/**
 * The onboarding API runs as the chart's bulkhead-api ServiceAccount, with its token hashes in the
 * chart's Secret: the whole journey (mint a token, create, read, list, change and delete a tenant,
 * list its backups, ask for a restore and read its progress, list plans, revoke the token) works with exactly the chart's ClusterRole and Role, and that
 * identity can touch nothing else. Its requests feed rbac-minimal.spec.ts.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { readPublishedReport } from '../../src/audit/publish.js';
import { KubeClient } from '../../src/kube/client.js';
import type { KubeObject } from '../../src/runtime/types.js';
import { CachedTenantStore } from '../../src/api-server/cached-tenant-store.js';
import { apiVersion, tenantKind, type Tenant } from '../../src/api/index.js';
import { tenantRestoreKind } from '../../src/api/tenant-restore.js';
import { testEnvironment } from '@bulkhead/testenv';
import { listerWatcher } from '../../src/kube/list-watch.js';
import { Informer } from '../../src/runtime/informer.js';
import { KubeRestoreStore } from '../../src/api-server/restore-store.js';
import { KubeTokenStore } from '../../src/api-server/token-store.js';
import { createLogger } from '../../src/runtime/logging.js';
import { call, listen, newTenant, runId, type RunningApi } from '../api-server/support.js';
import { apiKubeconfig, apiServiceAccount, chartNamespace } from '../support/operator-identity.js';
import { prepareCluster } from '../support/setup.js';

const apiUser = `system:serviceaccount:${chartNamespace}:${apiServiceAccount}`;

/**
 * Whether the API's identity may do something, asked of kube-apiserver's authorizer by the admin
 * (a SubjectAccessReview), so that probing leaves no refused request of the API in the audit log.
 */
async function allowed(kc: k8s.KubeConfig, attributes: k8s.V1ResourceAttributes): Promise<boolean> {
  const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
    body: {
      spec: {
        user: apiUser,
        groups: ['system:serviceaccounts', `system:serviceaccounts:${chartNamespace}`, 'system:authenticated'],
        resourceAttributes: attributes,
      },
    },
  });
  return review.status?.allowed ?? false;
}

describe('the onboarding API as the chart’s ServiceAccount', function () {
  let kc: k8s.KubeConfig;
  let client: KubeClient;
  let tokens: KubeTokenStore;
  let api: RunningApi;
  let tenantCache: Informer<Tenant>;
  const tenant = `api-sa-${runId}`;
  const tokenName = `api-identity-${runId}`;
  let admin: KubeClient;
  let restoreName: string | undefined;

  before(async function () {
    kc = await prepareCluster();
    admin = KubeClient.load(testEnvironment().kubeconfig);
    client = KubeClient.load(apiKubeconfig());
    tokens = new KubeTokenStore({ client, secret: { namespace: chartNamespace, name: 'bulkhead-api-tokens' }, cacheMs: 0 });
    // No audit trail: it lives in PostgreSQL, not Kubernetes, so it changes nothing about RBAC.
    // The Tenant watch cache the API answers GETs from, as startApiServer builds it.
    tenantCache = new Informer<Tenant>({
      name: 'tenants',
      logger: createLogger({ silent: true }),
      listerWatcher: listerWatcher<Tenant>(client, { apiVersion, kind: tenantKind }),
    });
    tenantCache.start();
    assert.equal(await tenantCache.waitForSync(), true, 'the API identity can list and watch Tenants');
    api = await listen({
      tenants: new CachedTenantStore(client, tenantCache),
      restores: new KubeRestoreStore(client),
      auth: { tokens },
      logger: createLogger({ silent: true }),
      auditTrail: null,
      auditReports: { latest: () => readPublishedReport(client, { namespace: chartNamespace, name: 'bulkhead-audit-report' }) },
    });
  });

  after(async function () {
    if (restoreName) await admin.delete({ apiVersion, kind: tenantRestoreKind, name: restoreName });
    admin?.close();
    await api.close();
    await tenantCache.stop();
    client.close();
  });

  it('serves the whole tenant journey with only the chart’s rules', async function () {
    const token = await tokens.create(tokenName, 'platform-admin');
    const headers = { 'idempotency-key': `chart-${runId}` };
    const created = await call(api, 'POST', '/v1/tenants', { token, headers, body: newTenant(tenant) });
    assert.equal(created.status, 202, JSON.stringify(created.body));
    assert.equal((await call(api, 'GET', `/v1/tenants/${tenant}`, { token })).status, 200);
    assert.equal((await call(api, 'GET', '/v1/tenants', { token })).status, 200);
    assert.equal((await call(api, 'GET', '/v1/plans', { token })).status, 200);
    // A backup in status, as the operator's scheduler would list it, so the restore gets as far as
    // creating its TenantRestore (create) and reading it back (get); no operator runs it here.
    const backupId = '20261206T120000Z-abcdef';
    await admin.applyStatus(
      {
        apiVersion,
        kind: tenantKind,
        metadata: { name: tenant },
        status: { backups: { latest: [{ id: backupId, createdAt: '2026-12-06T12:00:00Z', size: 1 }] } },
      } as KubeObject,
      { fieldManager: 'api-identity-spec', force: true },
    );
    assert.equal((await call(api, 'GET', `/v1/tenants/${tenant}/backups`, { token })).status, 200);
    const restore = await call(api, 'POST', `/v1/tenants/${tenant}/restores`, {
      token,
      headers: { 'idempotency-key': `chart-restore-${runId}` },
      body: { backupId },
    });
    assert.equal(restore.status, 202, JSON.stringify(restore.body));
    restoreName = (restore.body as { id: string }).id;
    assert.equal((await call(api, 'GET', `/v1/tenants/${tenant}/restores/${restoreName}`, { token })).status, 200);
    // Allowed to read the report ConfigMap, which no operator has published here: 404, not 403.
    const auditor = await tokens.create(`${tokenName}-auditor`, 'auditor');
    const report = await call(api, 'GET', '/v1/audit/report', { token: auditor });
    assert.equal(report.status, 404, JSON.stringify(report.body));
    await tokens.revoke(`${tokenName}-auditor`);
    const patched = await call(api, 'PATCH', `/v1/tenants/${tenant}`, { token, body: { suspended: true } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const deleted = await call(api, 'DELETE', `/v1/tenants/${tenant}?confirmDeletionPolicy=Retain`, { token });
    assert.ok([200, 202, 204].includes(deleted.status), JSON.stringify(deleted.body));
    assert.equal(await tokens.revoke(tokenName), true);
    assert.equal((await call(api, 'GET', '/v1/tenants', { token })).status, 401);
  });

  it('may read and patch its token Secret and nothing else: no other Secret, namespace or plan write', async function () {
    const tokenSecret = { namespace: chartNamespace, resource: 'secrets', name: 'bulkhead-api-tokens' };
    assert.equal(await allowed(kc, { ...tokenSecret, verb: 'get' }), true);
    assert.equal(await allowed(kc, { ...tokenSecret, verb: 'patch' }), true);
    assert.equal(await allowed(kc, { ...tokenSecret, verb: 'delete' }), false);
    assert.equal(await allowed(kc, { namespace: chartNamespace, resource: 'secrets', name: 'postgres-admin', verb: 'get' }), false);
    assert.equal(await allowed(kc, { namespace: chartNamespace, resource: 'secrets', verb: 'list' }), false);
    assert.equal(await allowed(kc, { resource: 'namespaces', verb: 'create' }), false);
    assert.equal(await allowed(kc, { group: 'bulkhead.dev', resource: 'tenantplans', name: 'standard', verb: 'patch' }), false);
    assert.equal(await allowed(kc, { group: 'bulkhead.dev', resource: 'tenants', verb: 'create' }), true);
    assert.equal(await allowed(kc, { group: 'bulkhead.dev', resource: 'tenantrestores', verb: 'create' }), true);
    for (const verb of ['list', 'watch', 'update', 'patch', 'delete'])
      assert.equal(await allowed(kc, { group: 'bulkhead.dev', resource: 'tenantrestores', verb }), false, `tenantrestores ${verb}`);
  });
});
