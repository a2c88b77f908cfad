/**
 * Suspend and resume on the real servers: a suspended tenant's ingress from outside its namespace
 * is closed, its owners can only read (asked of kube-apiserver's own authorizer), its database
 * refuses a real login and its open session is ended, its key is Disabled in KMS, its app is at
 * zero, nothing is deleted, and a Suspended condition says since when; resume puts every one of
 * these back as it was. An operator killed -9 between two levers converges when a new one starts.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import pg from 'pg';
import { DescribeKeyCommand, KMSClient, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { testEnvironment, type Environment } from '@bulkhead/testenv';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import { TenantSchema } from '../src/api/tenant.js';
import { auditAccess, platformConfigFor } from '../src/audit/access/index.js';
import { auditDatabases, auditKeys } from '../src/audit/data/index.js';
import type { AuditCheck } from '../src/audit/model.js';
import { AccessReviewClient } from '../src/kube/access-review.js';
import { KubeClient } from '../src/kube/client.js';
import { applyObjects, eventually } from './support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { tenantLogin } from './support/tenant-database.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
  type TenantObject,
} from './support/tenants.js';

const name = 'pause';
const namespace = `tenant-${name}`;
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const suspendedTag = 'bulkhead.dev/suspended';

/** The state suspension changes, read from the servers themselves. */
interface Observed {
  replicas: number | undefined;
  policies: string[];
  bindings: Record<string, string>;
  keyState: string | undefined;
  keyTags: string[];
}

describe('suspending and resuming a tenant', function () {
  let kc: k8s.KubeConfig;
  let env: Environment;
  let kms: KMSClient;
  let operator: OperatorProcess | undefined;
  let activeBefore: Observed;
  let keyId: string;

  const setSuspended = (tenant: string, suspended: boolean) =>
    customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenants', name: tenant, body: { spec: { suspended } } },
      mergePatch,
    );

  /** A real login with the tenant's own credentials; the error the server answered, if it refused. */
  async function login(tenant = name): Promise<{ client?: pg.Client; refused?: { code?: string; message: string } }> {
    const c = await tenantLogin(kc, tenant);
    const client = new pg.Client({ host: c.host, port: Number(c.port), user: c.username, password: c.password, database: c.database });
    client.on('error', () => undefined); // a terminated session emits one; the query that follows says so
    try {
      await client.connect();
      return { client };
    } catch (error) {
      const { code, message } = error as { code?: string; message: string };
      return { refused: { code, message } };
    }
  }

  /** What kube-apiserver's authorizer answers for an owner (a user in the owners' group). */
  async function ownerMay(verb: string, resource: string, apiGroup = '', subresource?: string): Promise<boolean> {
    const review = await kc.makeApiClient(k8s.AuthorizationV1Api).createSubjectAccessReview({
      body: {
        spec: {
          user: 'alice@pause.example',
          groups: [`${name}-admins`, 'system:authenticated'],
          resourceAttributes: { namespace, verb, group: apiGroup, resource, ...(subresource ? { subresource } : {}) },
        },
      },
    });
    return review.status?.allowed === true;
  }

  async function observe(tenant = name): Promise<Observed> {
    const ns = `tenant-${tenant}`;
    const selector = `bulkhead.dev/tenant=${tenant}`;
    const deployments = await kc.makeApiClient(k8s.AppsV1Api).listNamespacedDeployment({ namespace: ns, labelSelector: selector });
    const policies = await kc.makeApiClient(k8s.NetworkingV1Api).listNamespacedNetworkPolicy({ namespace: ns, labelSelector: selector });
    const bindings = await kc.makeApiClient(k8s.RbacAuthorizationV1Api).listNamespacedRoleBinding({ namespace: ns });
    const id = ((await readTenant(kc, tenant)).status as { encryption?: { keyId?: string } }).encryption?.keyId ?? '';
    const key = await kms.send(new DescribeKeyCommand({ KeyId: id }));
    const tags = await kms.send(new ListResourceTagsCommand({ KeyId: id }));
    return {
      replicas: deployments.items.reduce((sum, d) => sum + (d.spec?.replicas ?? 0), 0),
      policies: policies.items.map((p) => p.metadata?.name ?? '').sort(),
      bindings: Object.fromEntries(
        bindings.items
          .filter((b) => b.metadata?.name?.startsWith('tenant-owners'))
          .map((b) => [b.metadata?.name ?? '', `${b.roleRef.name} ${(b.subjects ?? []).map((s) => `${s.kind}:${s.name}`).join(',')}`]),
      ),
      keyState: key.KeyMetadata?.KeyState,
      keyTags: (tags.Tags ?? []).map((t) => t.TagKey ?? '').sort(),
    };
  }

  const suspendedCondition = (tenant: TenantObject) =>
    condition(tenant, 'Suspended') as ReturnType<typeof condition> & { lastTransitionTime?: string };

  /** The tenant once its Suspended condition says `reason` for its current generation. */
  function waitForSuspended(tenant: string, status: 'True' | 'False', reason: string, timeoutMs = 60_000): Promise<TenantObject> {
    return eventually(
      `tenant ${tenant} Suspended=${status} (${reason})`,
      async () => {
        const current = await readTenant(kc, tenant);
        const c = suspendedCondition(current);
        const fresh = c?.observedGeneration === current.metadata?.generation;
        return fresh && c?.status === status && c.reason === reason ? current : undefined;
      },
      timeoutMs,
    );
  }

  before(async function () {
    env = testEnvironment();
    kms = new KMSClient({
      endpoint: env.kms.endpoint,
      region: 'eu-central-1',
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    });
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(kc, [tenantManifest(name), tenantManifest('pause-crash')]);
    await waitForReady(kc, name);
    await waitForReady(kc, 'pause-crash');
    activeBefore = await observe();
    keyId = ((await readTenant(kc, name)).status as { encryption: { keyId: string } }).encryption.keyId;
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [name, 'pause-crash']).catch(() => undefined);
    await operator?.stop();
    kms.destroy();
  });

  it('starts from an active tenant: no Suspended condition, ingress open, owners may write, login works, key Enabled', async function () {
    assert.equal(suspendedCondition(await readTenant(kc, name)), undefined, 'a tenant never suspended has no Suspended condition');
    assert.ok(activeBefore.policies.includes('allow-ingress-controller'), activeBefore.policies.join(','));
    assert.ok((activeBefore.replicas ?? 0) > 0, 'the app runs');
    assert.deepEqual(activeBefore.bindings, { 'tenant-owners': 'bulkhead-tenant-owner Group:pause-admins' });
    assert.equal(activeBefore.keyState, 'Enabled');
    assert.ok(await ownerMay('create', 'deployments', 'apps'));
    const { client, refused } = await login();
    assert.equal(refused, undefined);
    await client?.query('CREATE TABLE IF NOT EXISTS invoices (id int); INSERT INTO invoices VALUES (1), (2)');
    await client?.end();
  });

  it('closes ingress, makes owners read-only, refuses logins and ends sessions, disables the key and scales the app to zero, deleting nothing', async function () {
    const open = await login();
    assert.ok(open.client, `the session opened before the suspension: ${open.refused?.message}`);
    await setSuspended(name, true);
    const tenant = await waitForSuspended(name, 'True', 'Suspended');
    const since = suspendedCondition(tenant)?.lastTransitionTime;
    assert.ok(since, 'the Suspended condition says since when');
    assert.equal(condition(tenant, 'Ready')?.status, 'True', 'suspended as asked is Ready');

    const now = await observe();
    assert.equal(now.replicas, 0);
    assert.deepEqual(
      now.policies,
      activeBefore.policies.filter((p) => p !== 'allow-ingress-controller'),
    );
    assert.deepEqual(now.bindings, { 'tenant-owners-read-only': 'bulkhead-tenant-owner-read-only Group:pause-admins' });
    assert.equal(now.keyState, 'Disabled');
    assert.ok(now.keyTags.includes(suspendedTag), now.keyTags.join(','));

    await eventually('the owners to lose write access', async () => ((await ownerMay('create', 'deployments', 'apps')) ? undefined : true));
    assert.equal(await ownerMay('patch', 'deployments', 'apps', 'scale'), false, 'no scaling the app back up');
    assert.equal(await ownerMay('create', 'pods', '', 'exec'), false, 'no exec');
    assert.equal(await ownerMay('get', 'pods', '', 'exec'), false, 'no exec by WebSocket either');
    assert.equal(await ownerMay('list', 'pods'), true, 'owners still read');
    assert.equal(await ownerMay('get', 'deployments', 'apps'), true);

    const refused = await login();
    assert.equal(refused.client, undefined, 'a new login is refused');
    assert.equal(refused.refused?.code, '28000', refused.refused?.message);
    assert.match(refused.refused?.message ?? '', /not permitted to log in/);
    await assert.rejects(open.client.query('SELECT 1'), 'the session open before the suspension was ended');

    const databases = await adminQuery(env, 'SELECT datname FROM pg_database WHERE datname = $1', ['tenant_pause']);
    assert.equal(databases.length, 1, 'the database is kept');
    await kc.makeApiClient(k8s.CoreV1Api).readNamespacedSecret({ namespace, name: `${name}-database` });
    assert.equal(((await readTenant(kc, name)).status as { encryption: { keyId: string } }).encryption.keyId, keyId, 'the same key');
  });

  it("is no finding of the audit: the refused login, the disabled key and the owners' read-only access are what it expects", async function () {
    const client = KubeClient.load(env.kubeconfig);
    const reviews = AccessReviewClient.load(env.kubeconfig);
    try {
      const tenants = [TenantSchema.parse(await readTenant(kc, name))];
      const config = parseOperatorConfig({ regions: operatorRegions() });
      const checks: AuditCheck[] = [
        ...(await auditDatabases(client, { tenants, config })).checks,
        ...(await auditKeys(client, { tenants, config })).checks,
        ...(await auditAccess(reviews, { tenants, platformSubjects: platformConfigFor('bulkhead-system', []) })).checks,
      ].filter((check) => check.tenant === name);
      const result = (id: string) => checks.find((check) => check.id === id)?.result;
      const notPassing = checks.filter((check) => check.result !== 'pass');
      assert.deepEqual(
        notPassing.map((c) => `${c.id} ${c.result} ${c.reason}: ${c.message}`),
        [],
      );
      assert.equal(result('key.state'), 'pass');
      assert.match(checks.find((check) => check.id === 'key.state')?.message ?? '', /Disabled while the tenant is suspended/);
      assert.equal(result('key.encryption-context'), 'pass');
      assert.equal(result('database.own-login'), 'pass');
      for (const id of ['access.review.suspended-own-pods', 'access.review.suspended-own-exec', 'access.admission.suspended-owner-pod']) {
        assert.equal(result(id), 'pass', `${id}: ${checks.find((check) => check.id === id)?.message}`);
      }
    } finally {
      client.close();
      reviews.close();
    }
  });

  it('puts the read-only binding back whole when someone adds a subject to it while suspended', async function () {
    const rbac = kc.makeApiClient(k8s.RbacAuthorizationV1Api);
    await rbac.patchNamespacedRoleBinding(
      {
        namespace,
        name: 'tenant-owners-read-only',
        body: [{ op: 'add', path: '/subjects/-', value: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'intruders' } }],
      },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
    );
    await eventually('the added subject to be gone', async () => {
      const binding = await rbac.readNamespacedRoleBinding({ namespace, name: 'tenant-owners-read-only' });
      const subjects = (binding.subjects ?? []).map((s) => `${s.kind}:${s.name}`);
      return subjects.length === 1 && subjects[0] === 'Group:pause-admins' ? true : undefined;
    });
  });

  it('keeps the time it was suspended on later reconciles', async function () {
    const first = suspendedCondition(await readTenant(kc, name))?.lastTransitionTime;
    await customObjects(kc).patchClusterCustomObject(
      { group, version, plural: 'tenants', name, body: { spec: { displayName: 'Paused Corp' } } },
      mergePatch,
    );
    const later = await waitForSuspended(name, 'True', 'Suspended');
    assert.equal(suspendedCondition(later)?.lastTransitionTime, first);
  });

  it('resumes to exactly the state before: replicas, owner role, ingress, login and data, the key Enabled and untagged', async function () {
    await setSuspended(name, false);
    const tenant = await waitForSuspended(name, 'False', 'Resumed', 90_000);
    assert.equal(condition(tenant, 'Ready')?.status, 'True');
    assert.deepEqual(await observe(), activeBefore);
    await eventually('the owners to write again', async () => ((await ownerMay('create', 'deployments', 'apps')) ? true : undefined));
    const { client, refused } = await login();
    assert.equal(refused, undefined, refused?.message);
    const rows = await client!.query<{ id: number }>('SELECT id FROM invoices ORDER BY id');
    assert.deepEqual(
      rows.rows.map((r) => r.id),
      [1, 2],
    );
    await client!.end();
  });

  describe('killed with SIGKILL between two levers', function () {
    const crashTenant = 'pause-crash';
    let crashBefore: Observed;
    // Stopping the operator, a process that dies, and a new one that must take over the lease first.
    this.timeout(240_000);

    it('finishes a suspension that died right after disabling the key (the app not yet at zero)', async function () {
      crashBefore = await observe(crashTenant);
      await operator?.stop();
      operator = undefined;
      await setSuspended(crashTenant, true);
      const crashing = startOperator({}, { BULKHEAD_CRASH_AT: 'kms.after-disable-key' });
      assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
      const halfway = await observe(crashTenant);
      assert.equal(halfway.keyState, 'Disabled');
      assert.equal(halfway.replicas, crashBefore.replicas, 'it died before the app step');

      operator = startOperator();
      await waitForSuspended(crashTenant, 'True', 'Suspended', 90_000);
      const done = await observe(crashTenant);
      assert.equal(done.replicas, 0);
      assert.equal(done.keyState, 'Disabled');
      assert.deepEqual(done.bindings, { 'tenant-owners-read-only': 'bulkhead-tenant-owner-read-only Group:pause-crash-admins' });
      assert.equal((await login(crashTenant)).refused?.code, '28000');
    });

    it('finishes a resume that died right after enabling the key (its mark still on it)', async function () {
      await operator?.stop();
      operator = undefined;
      await setSuspended(crashTenant, false);
      const crashing = startOperator({}, { BULKHEAD_CRASH_AT: 'kms.after-enable-key' });
      assert.equal(await crashing.exited, 'SIGKILL', crashing.output());
      const halfway = await observe(crashTenant);
      assert.equal(halfway.keyState, 'Enabled');
      assert.ok(halfway.keyTags.includes(suspendedTag), 'it died before taking its mark off');

      operator = startOperator();
      await waitForSuspended(crashTenant, 'False', 'Resumed', 90_000);
      assert.deepEqual(await observe(crashTenant), crashBefore);
      const { client, refused } = await login(crashTenant);
      assert.equal(refused, undefined, refused?.message);
      await client?.end();
    });
  });
});

async function adminQuery(env: Environment, sql: string, params: unknown[] = []): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: env.postgres.url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}
