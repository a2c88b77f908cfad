/**
 * Key promotion through the running operator against the real control plane and the KMS emulator
 * (docs/decisions/0052): a tenant on its region's pool key whose plan is changed to one whose key
 * is Dedicated ends Ready on a key of its own, its data key (the same one: its data still opens)
 * re-wrapped under that key in its ConfigMap, its pool grant revoked, while the pool key goes on
 * serving a neighbour; each step is an Event; moving the key back onto the pool is refused; a
 * deletion mid-way schedules its own key for deletion and revokes its grant; and a kill -9 of the
 * operator at each of the promotion's crash points converges on one key of its own.
 */
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { DecryptCommand, DescribeKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { Tenant } from '../src/api/tenant.js';
import { createLogger } from '../src/runtime/logging.js';
import { keyPromotionCrashPoints, PoolKeyInspector, tenantGrantName, type WrappedDataKey } from '../src/providers/kms/pool/index.js';
import { applyObjects, eventually } from './support/cluster.js';
import { startOperator, type OperatorProcess } from './support/operator-process.js';
import { prepareCluster } from './support/setup.js';
import {
  condition,
  customObjects,
  deleteTenantsAndWait,
  group,
  readTenant,
  tenantManifest,
  version,
  waitForReady,
} from './support/tenants.js';
import { runId } from './providers/support/postgres.js';
import { kmsClient, kmsEndpoint, keysTaggedWith, region } from './providers/support/kms.js';

const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const pooledKeyPlanName = `kp-pool-${runId}`;

/** The example standard plan's shape, with isolation.key Shared; `standard` itself is the Dedicated plan promoted to. */
const pooledKeyPlan = {
  apiVersion: 'bulkhead.dev/v1alpha1',
  kind: 'TenantPlan',
  metadata: { name: pooledKeyPlanName },
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

async function dataKeyOf(kc: k8s.KubeConfig, tenant: string): Promise<WrappedDataKey & { alias: string }> {
  const configMap = await kc
    .makeApiClient(k8s.CoreV1Api)
    .readNamespacedConfigMap({ namespace: `tenant-${tenant}`, name: `${tenant}-encryption-key` });
  const data = configMap.data ?? {};
  assert.ok(
    data.KMS_DATA_KEY && data.KMS_DATA_KEY_CONTEXT && data.KMS_KEY_ARN,
    `ConfigMap ${tenant}-encryption-key holds a wrapped data key`,
  );
  return {
    wrappingKeyArn: data.KMS_KEY_ARN,
    alias: data.KMS_KEY_ALIAS ?? '',
    ciphertext: data.KMS_DATA_KEY,
    context: JSON.parse(data.KMS_DATA_KEY_CONTEXT) as Record<string, string>,
  };
}

/** Opens the data key as the tenant's app would: its plaintext (base64, compared, never printed), or the refusal's name. */
async function open(kms: KMSClient, dataKey: WrappedDataKey, context: Record<string, string>): Promise<string> {
  try {
    const response = await kms.send(
      new DecryptCommand({
        KeyId: dataKey.wrappingKeyArn,
        CiphertextBlob: Buffer.from(dataKey.ciphertext, 'base64'),
        EncryptionContext: context,
      }),
    );
    return Buffer.from(response.Plaintext ?? []).toString('base64');
  } catch (error) {
    return `refused: ${(error as Error).name}`;
  }
}

describe('key promotion of a pooled-key tenant through the operator', function () {
  // Operators are started and killed, with lease takeovers, on a shared two-core machine.
  this.timeout(300_000);
  let kc: k8s.KubeConfig;
  let kms: KMSClient;
  let inspector: PoolKeyInspector;
  let operator: OperatorProcess | undefined;
  const promoted = `kpromo-${runId}`;
  const neighbour = `kpnb-${runId}`;

  const patchPlan = (name: string, plan: string) =>
    customObjects(kc).patchClusterCustomObject({ group, version, plural: 'tenants', name, body: { spec: { plan } } }, mergePatch);
  const grantsOf = async (name: string, uid: string) =>
    ((await inspector.poolKey(region))?.grants ?? []).filter((grant) => grant.name === tenantGrantName(name, uid));
  const uidOf = async (name: string) => (await readTenant(kc, name)).metadata?.uid ?? '';

  /** A pooled-key tenant, Ready, and the plaintext of its data key. */
  async function pooledKeyTenant(name: string): Promise<string> {
    await applyObjects(kc, [tenantManifest(name, { plan: pooledKeyPlanName, region })]);
    await waitForReady(kc, name, 180_000).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${operator?.output(80) ?? ''}`, { cause: error });
    });
    const dataKey = await dataKeyOf(kc, name);
    assert.match(dataKey.alias, /^alias\/bulkhead\/pool\//);
    const plaintext = await open(kms, dataKey, { tenant: name });
    assert.equal(Buffer.from(plaintext, 'base64').length, 32, 'the pooled data key opens before the promotion');
    return plaintext;
  }

  async function waitForOwnKey(name: string): Promise<Tenant> {
    return eventually(
      `tenant ${name} Ready on a key of its own`,
      async () => {
        const tenant = await readTenant(kc, name);
        const encryption = (tenant.status as Tenant['status'])?.encryption;
        const ready = condition(tenant, 'EncryptionKeyReady')?.status === 'True';
        return ready && encryption?.promotion === undefined && encryption?.alias === `alias/bulkhead/${name}`
          ? (tenant as unknown as Tenant)
          : undefined;
      },
      180_000,
    );
  }

  /** One key of its own, Enabled; its data key re-wrapped under it opens to the same plaintext, and not under another context; no pool grant. */
  async function assertPromoted(name: string, plaintext: string): Promise<void> {
    const tenant = await waitForOwnKey(name);
    const uid = tenant.metadata.uid ?? '';
    const keys = await keysTaggedWith(kms, uid);
    assert.deepEqual(
      keys.map((key) => key.state),
      ['Enabled'],
      'exactly one key of its own, no second one made',
    );
    const described = (await kms.send(new DescribeKeyCommand({ KeyId: `alias/bulkhead/${name}` }))).KeyMetadata;
    assert.equal(described?.KeyState, 'Enabled');
    assert.equal(described?.KeyId, keys[0]?.keyId);
    const dataKey = await dataKeyOf(kc, name);
    assert.equal(dataKey.wrappingKeyArn, described?.Arn, 'the ConfigMap names its own key and holds the data key wrapped under it');
    assert.equal(dataKey.alias, `alias/bulkhead/${name}`);
    assert.equal(tenant.status?.encryption?.keyArn, described?.Arn);
    assert.deepEqual(dataKey.context, { tenant: name });
    assert.equal(await open(kms, dataKey, { tenant: name }), plaintext, 'the same data key: what the app encrypted still opens');
    assert.equal(await open(kms, dataKey, { tenant: `${name}-other` }), 'refused: InvalidCiphertextException');
    assert.equal(tenant.status?.encryption?.dataKey?.ciphertext, dataKey.ciphertext, 'status records the re-wrapped data key');
    assert.deepEqual(await grantsOf(name, uid), [], 'its grant on the pool key is revoked');
  }

  before(async function () {
    kc = await prepareCluster();
    kms = kmsClient();
    inspector = new PoolKeyInspector(kmsEndpoint(), { logger: createLogger({ silent: true }) });
    operator = startOperator();
    await applyObjects(kc, [pooledKeyPlan]);
  });

  after(async function () {
    await deleteTenantsAndWait(kc, [promoted, neighbour]).catch(() => undefined);
    await operator?.stop();
    inspector.close();
    kms.destroy();
    await customObjects(kc)
      .deleteClusterCustomObject({ group, version, plural: 'tenantplans', name: pooledKeyPlanName })
      .catch(() => undefined);
  });

  it('moves the tenant onto a key of its own with its data key re-wrapped, revokes its grant, names each step, and leaves the neighbour on the pool key', async function () {
    const plaintext = await pooledKeyTenant(promoted);
    const neighbourPlaintext = await pooledKeyTenant(neighbour);
    const neighbourUid = await uidOf(neighbour);
    assert.equal((await grantsOf(promoted, await uidOf(promoted))).length, 1);
    await patchPlan(promoted, 'standard');
    await assertPromoted(promoted, plaintext);
    await waitForReady(kc, promoted, 180_000);

    const events = await kc
      .makeApiClient(k8s.CoreV1Api)
      .listNamespacedEvent({ namespace: 'default', fieldSelector: `involvedObject.name=${promoted},reason=Promotion` });
    const messages = events.items.map((event) => event.message ?? '');
    for (const done of [
      /promotion from the pool key begun/,
      /created key .* of its own/,
      /re-wrapped the data key under key/,
      /promoted: revoked 1 grant/,
    ]) {
      assert.ok(
        messages.some((message) => done.test(message)),
        `an Event says ${done}: ${messages.join(' | ')}`,
      );
    }
    const key = condition(await readTenant(kc, promoted), 'EncryptionKeyReady');
    assert.match(key?.message ?? '', /alias\/bulkhead\/.* with the data key a promotion re-wrapped under it/);

    const stillPooled = await readTenant(kc, neighbour);
    assert.equal(condition(stillPooled, 'EncryptionKeyReady')?.status, 'True');
    const neighbourKey = await dataKeyOf(kc, neighbour);
    assert.match(neighbourKey.alias, /^alias\/bulkhead\/pool\//);
    assert.equal(await open(kms, neighbourKey, { tenant: neighbour }), neighbourPlaintext, 'the pool key still serves the neighbour');
    assert.equal((await grantsOf(neighbour, neighbourUid)).length, 1, "the neighbour's grant stays");
  });

  it('refuses moving its key back onto the pool key, naming spec.plan and isolation.key, and moves nothing', async function () {
    const before = await dataKeyOf(kc, promoted);
    const uid = await uidOf(promoted);
    await patchPlan(promoted, pooledKeyPlanName);
    try {
      const refused = await eventually('TierChangeNotSupported', async () => {
        const key = condition(await readTenant(kc, promoted), 'EncryptionKeyReady');
        return key?.reason === 'TierChangeNotSupported' ? key : undefined;
      });
      assert.match(refused.message, /spec\.plan .* has spec\.isolation\.key Shared: demotion onto the pool key is not supported/);
      assert.deepEqual(await dataKeyOf(kc, promoted), before, 'the ConfigMap still names its own key and data key');
      assert.deepEqual(await grantsOf(promoted, uid), [], 'no grant on the pool key is made');
    } finally {
      await patchPlan(promoted, 'standard');
    }
    await waitForReady(kc, promoted, 180_000);
  });

  it('revokes the grant and schedules its own key for deletion when deleted mid-promotion', async function () {
    const name = `kpdel-${runId}`;
    try {
      await pooledKeyTenant(name);
      const uid = await uidOf(name);
      await operator?.stop();
      operator = undefined;
      // Killed once its own key exists and the re-wrap began: status records the promotion at ReWrapping.
      const crashing = startOperator({}, { BULKHEAD_CRASH_AT: keyPromotionCrashPoints.afterReWrapPolicy });
      await patchPlan(name, 'standard');
      assert.equal(await crashing.exited, 'SIGKILL');
      assert.equal((await keysTaggedWith(kms, uid)).length, 1, 'a key of its own exists');
      await kc.makeApiClient(k8s.CustomObjectsApi).deleteClusterCustomObject({ group, version, plural: 'tenants', name });
      operator = startOperator();
      await deleteTenantsAndWait(kc, [name], 180_000);
      assert.deepEqual(
        (await keysTaggedWith(kms, uid)).map((key) => key.state),
        ['PendingDeletion'],
        'its own key is scheduled for deletion, not orphaned',
      );
      assert.deepEqual(await grantsOf(name, uid), [], 'its pool grant is revoked');
    } finally {
      operator ??= startOperator();
      await deleteTenantsAndWait(kc, [name]).catch(() => undefined);
    }
  });

  for (const crashAt of Object.values(keyPromotionCrashPoints)) {
    it(`converges on one key of its own when the operator is killed -9 at ${crashAt}`, async function () {
      const name = `kpc-${crashAt.split('-').pop() ?? ''}-${runId}`;
      try {
        const plaintext = await pooledKeyTenant(name);
        await operator?.stop();
        operator = undefined;
        const crashing = startOperator({}, { BULKHEAD_CRASH_AT: crashAt });
        await patchPlan(name, 'standard');
        assert.equal(await crashing.exited, 'SIGKILL');
        const dataKey = await dataKeyOf(kc, name);
        assert.equal(await open(kms, dataKey, { tenant: name }), plaintext, 'the data key in the ConfigMap opens right after the crash');
        operator = startOperator();
        await assertPromoted(name, plaintext);
      } finally {
        operator ??= startOperator();
        await deleteTenantsAndWait(kc, [name]);
      }
    });
  }
});
