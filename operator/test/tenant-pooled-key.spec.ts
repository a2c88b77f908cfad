/**
 * A Tenant on a plan whose key is Shared (decision 0049), through the running operator against the
 * real control plane and the KMS emulator: it becomes Ready on its region's pool key, its wrapped
 * data key is in its namespace and opens under its own context only, its grant is on the pool key,
 * the audit run's key part judges it by key.pool-* and passes it, and its deletion revokes the grant.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { DecryptCommand } from '@aws-sdk/client-kms';
import { applyObjects, eventually } from './support/cluster.js';
import { operatorRegions, startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import { condition, deleteTenantsAndWait, readTenant, tenantManifest, waitForReady } from './support/tenants.js';
import { runId } from './providers/support/postgres.js';
import { accountId, kmsClient, kmsEndpoint, region } from './providers/support/kms.js';
import { testEnvironment } from '@bulkhead/testenv';
import { parseOperatorConfig } from '../src/api/operator-config.js';
import type { Tenant } from '../src/api/tenant.js';
import { auditKeys } from '../src/audit/data/index.js';
import { KubeClient } from '../src/kube/client.js';
import { PoolKeyInspector, poolKeyAlias, tenantGrantName, type WrappedDataKey } from '../src/providers/kms/pool/index.js';
import { createLogger } from '../src/runtime/logging.js';

const planName = `pooled-key-${runId}`;

/** The example standard plan's shape, with isolation.key Shared. */
const pooledKeyPlan = {
  apiVersion: 'bulkhead.dev/v1alpha1',
  kind: 'TenantPlan',
  metadata: { name: planName },
  spec: {
    quota: { cpu: '8', memory: '16Gi', storage: '100Gi', pods: 50, services: 10, persistentVolumeClaims: 10, configMaps: 50, secrets: 50 },
    limits: {
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '4Gi' },
    },
    database: { connectionLimit: 5 },
    app: { chart: 'tenant-app', version: '1.4.2', values: { replicaCount: 1 }, allowedValueKeys: ['featureFlags'] },
    rollout: { ring: 1 },
    isolation: { key: 'Shared' },
  },
};

async function dataKeyOf(kc: k8s.KubeConfig, tenant: string): Promise<WrappedDataKey> {
  const configMap = await kc
    .makeApiClient(k8s.CoreV1Api)
    .readNamespacedConfigMap({ namespace: `tenant-${tenant}`, name: `${tenant}-encryption-key` });
  const data = configMap.data ?? {};
  assert.ok(
    data.KMS_DATA_KEY && data.KMS_DATA_KEY_CONTEXT && data.KMS_KEY_ARN,
    `ConfigMap ${tenant}-encryption-key holds the wrapped data key`,
  );
  return {
    wrappingKeyArn: data.KMS_KEY_ARN,
    ciphertext: data.KMS_DATA_KEY,
    context: JSON.parse(data.KMS_DATA_KEY_CONTEXT) as Record<string, string>,
  };
}

/** Opens the data key as the tenant's app would: the plaintext's length, or the refusal's name. */
async function open(dataKey: WrappedDataKey, context: Record<string, string>): Promise<number | string> {
  try {
    const response = await kmsClient().send(
      new DecryptCommand({
        KeyId: dataKey.wrappingKeyArn,
        CiphertextBlob: Buffer.from(dataKey.ciphertext, 'base64'),
        EncryptionContext: context,
      }),
    );
    return response.Plaintext?.length ?? 0;
  } catch (error) {
    return `refused: ${(error as Error).name}`;
  }
}

describe('a tenant on the pool key', function () {
  let kc: k8s.KubeConfig;
  let operator: OperatorProcess | undefined;
  let inspector: PoolKeyInspector;
  const name = `pkey-${runId}`;
  let uid = '';
  const principal = `arn:aws:iam::${accountId}:role/bulkhead-tenant-${name}`;
  const grantsOfTenant = async () =>
    ((await inspector.poolKey(region))?.grants ?? []).filter((grant) => grant.name === tenantGrantName(name, uid));

  before(async function () {
    inspector = new PoolKeyInspector(kmsEndpoint(), { logger: createLogger({ silent: true }) });
    kc = await prepareCluster();
    operator = startOperator();
    await applyObjects(kc, [pooledKeyPlan, tenantManifest(name, { plan: planName, region })]);
    const ready = await waitForReady(kc, name).catch(async (error: unknown) => {
      const conditions = (await readTenant(kc, name)).status?.conditions?.filter((c) => c.status !== 'True');
      throw new Error(`${String(error)}; conditions not True: ${JSON.stringify(conditions)}`, { cause: error });
    });
    uid = ready.metadata?.uid ?? '';
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [name]).catch(() => undefined);
    await operator?.stop();
    inspector.close();
    await kc
      .makeApiClient(k8s.CustomObjectsApi)
      .deleteClusterCustomObject({ group: 'bulkhead.dev', version: 'v1alpha1', plural: 'tenantplans', name: planName })
      .catch(() => undefined);
  });

  it("becomes Ready on its region's pool key, and its condition and status name the pool key, not a key of its own", async function () {
    const tenant = await readTenant(kc, name);
    const key = condition(tenant, 'EncryptionKeyReady');
    assert.equal(key?.status, 'True');
    assert.match(key?.message ?? '', new RegExp(`shares pool key .* \\(alias/bulkhead/pool/${region}\\) .*opens only its own data key`));
    const encryption = (tenant.status as { encryption?: { alias?: string } }).encryption;
    assert.equal(encryption?.alias, poolKeyAlias(region));
  });

  it('keeps its wrapped data key in its own namespace, which opens under its context and not under a neighbour’s', async function () {
    const dataKey = await dataKeyOf(kc, name);
    assert.deepEqual(dataKey.context, { tenant: name });
    assert.equal(await open(dataKey, { tenant: name }), 32);
    assert.equal(await open(dataKey, { tenant: `${name}-neighbour` }), 'refused: InvalidCiphertextException');
  });

  it('has one grant on the pool key: Decrypt for its principal, under exactly its context', async function () {
    const grants = await grantsOfTenant();
    assert.equal(grants.length, 1);
    assert.equal(grants[0]?.granteePrincipal, principal);
    assert.deepEqual(grants[0]?.operations, ['Decrypt']);
    assert.deepEqual(grants[0]?.contextEquals, { tenant: name });
  });

  it("passes the audit run's key part with the key.pool-* checks, not the checks of a key of its own", async function () {
    const env = testEnvironment();
    // The operator's own regions: KMS reached with the credentials Secret it uses.
    const config = parseOperatorConfig({ regions: operatorRegions() });
    const client = KubeClient.load(env.kubeconfig);
    const tenants = (await client.list<Tenant>('bulkhead.dev/v1alpha1', 'Tenant')).items.filter((t) => t.metadata.name === name);
    const run = await auditKeys(client, { tenants, config });
    const ours = run.checks.filter((check) => check.tenant === name);
    // Its grant stands in for a key alias in the inventory; the pool key's alias is no tenant's.
    assert.ok(run.inventory.keyAliases?.includes(name));
    assert.deepEqual(
      run.inventory.keyAliases?.filter((alias) => alias.includes('/')),
      [],
    );
    assert.deepEqual(ours.map((check) => check.id).sort(), ['key.pool-encryption-context', 'key.pool-grants', 'key.pool-policy']);
    assert.deepEqual(
      ours.filter((check) => check.result !== 'pass').map((check) => `${check.id} ${check.reason}: ${check.message}`),
      [],
    );
  });

  it('has its grant revoked when it is deleted', async function () {
    await deleteTenantsAndWait(kc, [name]);
    await eventually('grant revoked', async () => ((await grantsOfTenant()).length === 0 ? true : undefined));
  });
});
