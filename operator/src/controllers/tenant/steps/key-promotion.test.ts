/** The key promotion's order, its record in status, and what it leaves alone when a step fails. */
import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../../api/conditions.js';
import type { TenantStatus } from '../../../api/tenant.js';
import { KeyProviderUnavailable } from '../../../providers/kms/index.js';
import { createLogger } from '../../../runtime/logging.js';
import { unelectedFence } from '../../../runtime/fence.js';
import type { StepContext, StepOutcome } from '../context.js';
import { keyPromotionUnderWay, progressMessage, promoteKey } from './key-promotion.js';

type StatusEncryption = NonNullable<TenantStatus['encryption']>;

const poolAlias = 'alias/bulkhead/pool/eu-central-1';
const pooled: StatusEncryption = { keyId: 'pool-id', keyArn: 'arn:aws:kms:eu-central-1:123456789012:key/pool-id', alias: poolAlias };
const settings = { accountId: '123456789012' };

interface Fake {
  calls: string[];
  events: string[];
  failEnsure?: boolean;
}

function fakeContext(fake: Fake, recorded: StatusEncryption | undefined, key: 'Dedicated' | 'Shared' = 'Dedicated'): StepContext {
  const ensureKey = (spec: { suspended?: boolean }) => {
    fake.calls.push(`ensureKey suspended=${String(spec.suspended)}`);
    if (fake.failEnsure) return Promise.reject(new KeyProviderUnavailable('KMS in eu-central-1 did not answer'));
    return Promise.resolve({
      keyId: 'own-id',
      arn: 'arn:aws:kms:eu-central-1:123456789012:key/own-id',
      alias: 'alias/bulkhead/acme',
      created: true,
    });
  };
  const pool = {
    existingPoolKeyId: () => (fake.calls.push('existingPoolKeyId'), Promise.resolve(undefined)),
    kmsSession: {},
  };
  return {
    tenant: {
      apiVersion: 'bulkhead.dev/v1alpha1',
      kind: 'Tenant',
      metadata: { name: 'acme', uid: 'a1b2' },
      spec: { region: 'eu-central-1', suspended: true },
      status: recorded ? { encryption: recorded } : undefined,
    },
    plan: { metadata: { name: key === 'Shared' ? 'pooled-key' : 'standard' }, spec: { isolation: { key } } },
    namespace: 'tenant-acme',
    config: { encryption: { principalTemplate: 'arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}' } },
    providers: { kms: () => Promise.resolve({ ensureKey }), pooledKms: () => Promise.resolve(pool) },
    events: {
      record: (_object: unknown, _type: string, _reason: string, message: string) => (fake.events.push(message), Promise.resolve()),
    },
    logger: createLogger({ silent: true }),
    fence: unelectedFence(new AbortController().signal),
  } as unknown as StepContext;
}

const finished: StepOutcome = { type: ConditionType.EncryptionKeyReady, status: 'True', reason: Reason.Reconciled, message: 'own key' };
const finish = () => Promise.resolve(finished);

describe('the key promotion step', () => {
  it('starts for a tenant on the pool key whose plan says Dedicated, and goes on while one is recorded', () => {
    assert.equal(keyPromotionUnderWay(fakeContext({ calls: [], events: [] }, pooled)), true);
    assert.equal(keyPromotionUnderWay(fakeContext({ calls: [], events: [] }, pooled, 'Shared')), false);
    assert.equal(keyPromotionUnderWay(fakeContext({ calls: [], events: [] }, { alias: 'alias/bulkhead/acme' })), false);
    assert.equal(keyPromotionUnderWay(fakeContext({ calls: [], events: [] }, undefined)), false);
    const promoting = { ...pooled, promotion: { step: 'ReWrapping' as const } };
    assert.equal(keyPromotionUnderWay(fakeContext({ calls: [], events: [] }, promoting)), true);
  });

  it('first only records that it began, step 1 of 3, keeping the pool key recorded, with an Event', async () => {
    const fake: Fake = { calls: [], events: [] };
    const outcome = await promoteKey(fakeContext(fake, pooled), settings, finish);
    assert.deepEqual(fake.calls, [], 'no key is made before status says a promotion began');
    assert.equal(outcome.status, 'False');
    assert.equal(outcome.reason, Reason.Promoting);
    assert.match(outcome.message, /step 1 of 3 \(CreatingKey\) next: promotion from the pool key begun: plan standard/);
    assert.equal(outcome.report?.encryption?.alias, poolAlias);
    assert.equal(outcome.report?.encryption?.promotion?.step, 'CreatingKey');
    assert.ok(outcome.report?.encryption?.promotion?.startedAt);
    assert.equal(fake.events.length, 1);
  });

  it('creates the key enabled even for a suspended tenant, and records it with the next step', async () => {
    const fake: Fake = { calls: [], events: [] };
    const recorded = { ...pooled, promotion: { step: 'CreatingKey' as const, startedAt: '2026-12-07T05:00:00Z' } };
    const outcome = await promoteKey(fakeContext(fake, recorded), settings, finish);
    assert.deepEqual(fake.calls, ['ensureKey suspended=false']);
    assert.deepEqual(outcome.report?.encryption?.promotion, {
      step: 'ReWrapping',
      startedAt: '2026-12-07T05:00:00Z',
      keyId: 'own-id',
      keyArn: 'arn:aws:kms:eu-central-1:123456789012:key/own-id',
    });
    assert.equal(outcome.report?.encryption?.keyId, 'pool-id', 'the pool key stays recorded until the end');
    assert.match(outcome.message, /step 2 of 3 \(ReWrapping\) next: created key own-id \(alias\/bulkhead\/acme\) of its own/);
  });

  it("keeps the step on a provider's failure, naming the step and the provider's reason, with no Event", async () => {
    const fake: Fake = { calls: [], events: [], failEnsure: true };
    const recorded = { ...pooled, promotion: { step: 'CreatingKey' as const } };
    const outcome = await promoteKey(fakeContext(fake, recorded), settings, finish);
    assert.equal(outcome.reason, Reason.KeyProviderUnavailable);
    assert.match(outcome.message, /step CreatingKey: KMS in eu-central-1 did not answer/);
    assert.equal(outcome.report, undefined, 'status keeps the promotion where it was');
    assert.deepEqual(fake.events, []);
  });

  it('hands over to the dedicated tier once the pool grant is revoked', async () => {
    const fake: Fake = { calls: [], events: [] };
    const recorded = { ...pooled, promotion: { step: 'RevokingPoolGrant' as const } };
    const outcome = await promoteKey(fakeContext(fake, recorded), settings, finish);
    assert.deepEqual(fake.calls, ['existingPoolKeyId']);
    assert.equal(outcome, finished);
    assert.match(fake.events[0] ?? '', /promoted: revoked 0 grant\(s\) .* key alias\/bulkhead\/acme is its own/);
  });

  it('says step N of 3 and what the step before did', () => {
    assert.equal(
      progressMessage({ step: 'RevokingPoolGrant' }, 're-wrapped'),
      'promoting to a key of its own, step 3 of 3 (RevokingPoolGrant) next: re-wrapped',
    );
  });
});
