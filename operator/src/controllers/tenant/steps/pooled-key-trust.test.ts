/**
 * The pool key step's restart pass (docs/decisions/0037, 0058): a pooled-key tenant whose status
 * records its pool key verified against the same inputs is re-synced from that status and its
 * cached ConfigMap, asking KMS nothing; anything short of that asks KMS as every other pass does.
 */
import assert from 'node:assert/strict';
import { ConditionType, findCondition, Reason } from '../../../api/conditions.js';
import type { TenantStatus } from '../../../api/tenant.js';
import type { KubeObject } from '../../../runtime/types.js';
import type { StepContext, StepOutcome } from '../context.js';
import { ensurePooledEncryptionKey } from './pooled-encryption-key.js';

const region = 'eu-central-1';
const poolArn = 'arn:aws:kms:eu-central-1:123456789012:key/1234abcd-0000-0000-0000-000000000000';
const settings = { accountId: '123456789012', endpoint: 'http://kms.test' };
const dataKey = { wrappingKeyArn: poolArn, ciphertext: 'Y2lwaGVy', context: { tenant: 'acme' } };
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

interface Harness {
  context: StepContext;
  /** KMS calls made through the pool key provider. */
  kmsCalls: string[];
  /** ConfigMaps passed to owned.ensure. */
  ensured: KubeObject[];
}

/** A step context over an in-memory ConfigMap cache; `ensure` stores what it is given, as the watch would. */
function harness(options: { restartPass: boolean; status?: TenantStatus; cache?: Map<string, KubeObject>; principalTemplate?: string }) {
  const cache = options.cache ?? new Map<string, KubeObject>();
  const kmsCalls: string[] = [];
  const ensured: KubeObject[] = [];
  const provider = {
    ensureTenant: () => {
      kmsCalls.push('ensureTenant');
      return Promise.resolve({
        poolKey: {
          keyId: '1234abcd-0000-0000-0000-000000000000',
          arn: poolArn,
          alias: `alias/bulkhead/pool/${region}`,
          created: false,
          repaired: [],
        },
        grantId: 'g-1',
        dataKey,
        created: { grant: false, dataKey: false },
      });
    },
  };
  const context = {
    tenant: { metadata: { name: 'acme', uid: 'a1b2', generation: 1 }, spec: { region }, status: options.status },
    plan: { metadata: { name: 'pooled-key' }, spec: { isolation: { key: 'Shared' } } },
    config: {
      encryption: { principalTemplate: options.principalTemplate ?? 'arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}' },
    },
    providers: { pooledKms: () => Promise.resolve(provider) },
    owned: {
      cached: (_kind: string, key: string) => cache.get(key),
      ensure: (object: KubeObject) => {
        ensured.push(object);
        cache.set(`${object.metadata.namespace}/${object.metadata.name}`, object);
        return Promise.resolve(false);
      },
    },
    client: { get: () => Promise.resolve(cache.get('tenant-acme/acme-encryption-key')) },
    fence: { confirm: () => Promise.resolve() },
    logger: silent,
    restartPass: options.restartPass,
  } as unknown as StepContext;
  return { context, kmsCalls, ensured, cache } satisfies Harness & { cache: Map<string, KubeObject> };
}

/** The status a pass leaves: its report and its condition at generation 1. */
function statusAfter(outcome: StepOutcome): TenantStatus {
  const { type, status, reason, message } = outcome;
  return {
    ...outcome.report,
    conditions: [{ type, status, reason, message, observedGeneration: 1, lastTransitionTime: '2026-12-07T05:00:00Z' }],
  };
}

/** A first pass, as onboarding runs it: KMS asked, the ConfigMap written, the status recorded. */
async function onboarded(): Promise<{ status: TenantStatus; cache: Map<string, KubeObject>; first: StepOutcome }> {
  const first = harness({ restartPass: false });
  const outcome = await ensurePooledEncryptionKey(first.context, settings);
  assert.equal(outcome.status, 'True', outcome.message);
  assert.deepEqual(first.kmsCalls, ['ensureTenant']);
  return { status: statusAfter(outcome), cache: first.cache, first: outcome };
}

describe('the pool key step on the restart pass', () => {
  it('records what the pool key was verified against, so that a restart can trust it', async () => {
    const { status } = await onboarded();
    assert.match(status.encryption?.inputsDigest ?? '', /^sha256:[0-9a-f]{64}$/);
    assert.equal(status.encryption?.alias, `alias/bulkhead/pool/${region}`);
  });

  it('re-syncs a Ready pooled-key tenant from its status and cached ConfigMap, asking KMS nothing', async () => {
    const { status, cache, first } = await onboarded();
    const restart = harness({ restartPass: true, status, cache });
    const outcome = await ensurePooledEncryptionKey(restart.context, settings);
    assert.deepEqual(restart.kmsCalls, []);
    assert.deepEqual(outcome.report, first.report, 'the status it reports is the one recorded: nothing to write');
    assert.equal(outcome.reason, Reason.Reconciled);
    assert.equal(outcome.message, findCondition(status.conditions, ConditionType.EncryptionKeyReady)?.message);
    // The ConfigMap is still compared with the cache (and repaired when it differs).
    assert.equal(restart.ensured.length, 1);
    assert.equal((restart.ensured[0] as { data?: Record<string, string> }).data?.KMS_DATA_KEY, dataKey.ciphertext);
  });

  it('asks KMS on any later pass, when the inputs changed, or when the cache holds no data key under the recorded pool key', async () => {
    const { status, cache } = await onboarded();
    const other = new Map(cache);
    const key = 'tenant-acme/acme-encryption-key';
    const configMap = cache.get(key) as KubeObject & { data: Record<string, string> };
    const edited = { ...configMap, data: { ...configMap.data, KMS_KEY_ARN: `${poolArn}0` } } as KubeObject;
    const cases: [string, Parameters<typeof harness>[0]][] = [
      ['a later pass', { restartPass: false, status, cache }],
      ['another principal', { restartPass: true, status, cache, principalTemplate: 'arn:{partition}:iam::{accountId}:role/app-{tenant}' }],
      ['the ConfigMap gone from the cache', { restartPass: true, status, cache: new Map() }],
      ['a data key under another key', { restartPass: true, status, cache: other.set(key, edited) }],
    ];
    for (const [what, options] of cases) {
      const pass = harness(options);
      await ensurePooledEncryptionKey(pass.context, settings);
      assert.deepEqual(pass.kmsCalls, ['ensureTenant'], what);
    }
  });
});
