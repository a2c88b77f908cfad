/** Which key tier a tenant may be given, and where its wrapped data key is kept and read back. */
import assert from 'node:assert/strict';
import { Reason } from '../../../api/conditions.js';
import type { Tenant } from '../../../api/tenant.js';
import type { KubeClient } from '../../../kube/client.js';
import type { StepContext } from '../context.js';
import { configMapDataKeyStore, keyTierRefusal, recordsPoolKey } from './pooled-encryption-key.js';

function context(key: 'Dedicated' | 'Shared', recordedAlias: string | undefined): StepContext {
  return {
    tenant: {
      metadata: { name: 'acme', uid: 'a1b2' },
      spec: { region: 'eu-central-1' },
      status: recordedAlias ? { encryption: { alias: recordedAlias } } : undefined,
    },
    plan: { metadata: { name: key === 'Shared' ? 'pooled-key' : 'standard' }, spec: { isolation: { key } } },
  } as unknown as StepContext;
}

const tenant = { metadata: { name: 'acme', uid: 'a1b2' }, spec: { region: 'eu-central-1' } } as unknown as Tenant;
const poolArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-0000-0000-0000-000000000000';

/** A client holding at most one ConfigMap, recording what was asked of it. */
function fakeClient(data: Record<string, string> | undefined) {
  const calls: string[] = [];
  const client = {
    get: (ref: { namespace: string; name: string }) => {
      calls.push(`get ${ref.namespace}/${ref.name}`);
      return Promise.resolve(data ? { data } : undefined);
    },
    delete: (ref: { name: string }, options: { fence?: unknown }) => {
      calls.push(`delete ${ref.name} fenced=${options.fence !== undefined}`);
      return Promise.resolve(true);
    },
  } as unknown as KubeClient;
  return { client, calls };
}

describe('the key tier of a tenant', () => {
  it('lets a new tenant have either tier, and each tenant keep the tier it has', () => {
    assert.equal(keyTierRefusal(context('Shared', undefined)), undefined);
    assert.equal(keyTierRefusal(context('Dedicated', undefined)), undefined);
    assert.equal(keyTierRefusal(context('Shared', 'alias/bulkhead/pool/eu-central-1')), undefined);
    assert.equal(keyTierRefusal(context('Dedicated', 'alias/bulkhead/acme')), undefined);
  });

  it('refuses moving a tenant with a key of its own onto the pool key, naming spec.plan and isolation.key', () => {
    const refusal = keyTierRefusal(context('Shared', 'alias/bulkhead/acme'));
    assert.equal(refusal?.reason, Reason.TierChangeNotSupported);
    assert.match(
      refusal?.message ?? '',
      /has key alias\/bulkhead\/acme of its own, but spec.plan pooled-key has spec.isolation.key Shared: demotion onto the pool key is not supported/,
    );
  });

  it('refuses turning a key promotion under way back onto the pool key, naming the step', () => {
    const promoting = context('Shared', 'alias/bulkhead/pool/eu-central-1');
    const encryption = { alias: 'alias/bulkhead/pool/eu-central-1', promotion: { step: 'ReWrapping' } };
    const refusal = keyTierRefusal({ ...promoting, tenant: { ...promoting.tenant, status: { encryption } } } as StepContext);
    assert.equal(refusal?.reason, Reason.TierChangeNotSupported);
    assert.match(refusal?.message ?? '', /being promoted to a key of its own \(step ReWrapping\).*cannot be turned back/);
  });

  it('leaves a pooled-key tenant whose plan now says Dedicated to the promotion', () => {
    assert.equal(keyTierRefusal(context('Dedicated', 'alias/bulkhead/pool/eu-central-1')), undefined);
  });

  it("knows a pooled-key tenant by its region's pool key alias in status", () => {
    assert.equal(recordsPoolKey(context('Shared', 'alias/bulkhead/pool/eu-central-1').tenant), true);
    assert.equal(recordsPoolKey(context('Shared', 'alias/bulkhead/pool/us-east-1').tenant), false);
    assert.equal(recordsPoolKey(context('Shared', undefined).tenant), false);
  });
});

describe("a pooled tenant's data key store", () => {
  it('reads the wrapped data key from the live encryption-key ConfigMap in the tenant namespace', async () => {
    const { client, calls } = fakeClient({ KMS_KEY_ARN: poolArn, KMS_DATA_KEY: 'Y2lwaGVy', KMS_DATA_KEY_CONTEXT: '{"tenant":"acme"}' });
    const key = await configMapDataKeyStore({ client, tenant }).read();
    assert.deepEqual(key, { wrappingKeyArn: poolArn, ciphertext: 'Y2lwaGVy', context: { tenant: 'acme' } });
    assert.deepEqual(calls, ['get tenant-acme/acme-encryption-key']);
  });

  it("reads no data key from a dedicated tenant's ConfigMap, or from none", async () => {
    assert.equal(await configMapDataKeyStore({ client: fakeClient({ KMS_KEY_ARN: poolArn }).client, tenant }).read(), undefined);
    assert.equal(await configMapDataKeyStore({ client: fakeClient(undefined).client, tenant }).read(), undefined);
  });

  it('writes the pool key reference and the data key into the ConfigMap the app reads', async () => {
    const written: { metadata: { name: string; namespace: string }; data: Record<string, string> }[] = [];
    const ensure = (object: unknown) => Promise.resolve(written.push(object as (typeof written)[number]));
    const store = configMapDataKeyStore({ client: fakeClient(undefined).client, tenant, ensure, endpoint: 'http://kms.test' });
    await store.write({ wrappingKeyArn: poolArn, ciphertext: 'Y2lwaGVy', context: { tenant: 'acme' } });
    assert.deepEqual(written[0]?.metadata.name, 'acme-encryption-key');
    assert.deepEqual(written[0]?.metadata.namespace, 'tenant-acme');
    assert.deepEqual(written[0]?.data, {
      KMS_KEY_ID: '1234abcd-0000-0000-0000-000000000000',
      KMS_KEY_ARN: poolArn,
      KMS_KEY_ALIAS: 'alias/bulkhead/pool/eu-central-1',
      KMS_REGION: 'eu-central-1',
      KMS_ENDPOINT: 'http://kms.test',
      KMS_DATA_KEY: 'Y2lwaGVy',
      KMS_DATA_KEY_CONTEXT: '{"tenant":"acme"}',
    });
  });

  it('deletes only behind the leadership fence', async () => {
    const unfenced = fakeClient(undefined);
    await assert.rejects(configMapDataKeyStore({ client: unfenced.client, tenant }).delete(), /needs the leadership fence/);
    assert.deepEqual(unfenced.calls, []);
    const fenced = fakeClient(undefined);
    await configMapDataKeyStore({ client: fenced.client, tenant, fence: { confirm: () => Promise.resolve() } }).delete();
    assert.deepEqual(fenced.calls, ['delete acme-encryption-key fenced=true']);
  });
});
