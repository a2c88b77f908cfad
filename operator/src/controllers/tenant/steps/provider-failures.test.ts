import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../../api/conditions.js';
import { DatabaseOperationFailed, DatabaseUnavailable } from '../../../providers/database/index.js';
import { KeyProviderThrottled, KeySpecInvalid } from '../../../providers/kms/index.js';
import { createLogger } from '../../../runtime/logging.js';
import type { StepContext, StepOutcome } from '../context.js';
import { ensureDatabase } from './database.js';
import { ensureEncryptionKey } from './encryption-key.js';

const region = 'eu-central-1';
const settings = { database: { host: 'postgres.platform', port: 5432 }, kms: { accountId: '111122223333' } };

/** A step context whose providers fail as told; anything written to kube-apiserver is counted. */
function failingProviders(failure: { kms?: unknown; database?: unknown; principalTemplate?: string }): {
  context: StepContext;
  writes: string[];
} {
  const writes: string[] = [];
  const reject = (error: unknown) => () => Promise.reject(error instanceof Error ? error : new Error(String(error)));
  const context = {
    tenant: { metadata: { name: 'acme', uid: 'a1b2' }, spec: { region } },
    plan: { spec: {} },
    namespace: 'tenant-acme',
    config: {
      encryption: { principalTemplate: failure.principalTemplate ?? 'arn:{partition}:iam::{accountId}:role/bulkhead-tenant-{tenant}' },
    },
    logger: createLogger({ silent: true }),
    owned: {
      live: () => Promise.resolve(undefined),
      ensure: (object: { kind: string }) => {
        writes.push(object.kind);
        return Promise.resolve(true);
      },
    },
    providers: {
      settings: () => settings,
      kms: () => Promise.resolve({ ensureKey: reject(failure.kms) }),
      database: () => Promise.resolve({ ensure: reject(failure.database) }),
    },
  } as unknown as StepContext;
  return { context, writes };
}

const reasonOf = (outcome: StepOutcome): [string, string, string] => [outcome.type, outcome.status, outcome.reason];

describe('each provider step fails with a reason of its own, never ApplyFailed', () => {
  it('reports a KMS fault the provider did not classify as KeyProviderFailed, with its message, and writes no ConfigMap', async () => {
    const { context, writes } = failingProviders({ kms: new Error('Secret bulkhead-system/kms-credentials has no key secretAccessKey') });
    const outcome = await ensureEncryptionKey(context);
    assert.deepEqual(reasonOf(outcome), [ConditionType.EncryptionKeyReady, 'False', Reason.KeyProviderFailed]);
    assert.equal(outcome.message, 'Secret bulkhead-system/kms-credentials has no key secretAccessKey');
    assert.deepEqual(writes, []);
  });

  it('reports an invalid key spec (a principal template that gives no ARN) as KeyProviderFailed', async () => {
    const { context } = failingProviders({ principalTemplate: 'role-{tenant}' });
    assert.equal((await ensureEncryptionKey(context)).reason, Reason.KeyProviderFailed);
    const { context: refusedSpec } = failingProviders({ kms: new KeySpecInvalid('alias alias/bulkhead/acme is reserved') });
    assert.equal((await ensureEncryptionKey(refusedSpec)).reason, Reason.KeyProviderFailed);
  });

  it("keeps the KMS provider's own reasons: a throttle says when to come back", async () => {
    const { context } = failingProviders({ kms: new KeyProviderThrottled('KMS throttled CreateKey', 1_500) });
    const outcome = await ensureEncryptionKey(context);
    assert.deepEqual([outcome.reason, outcome.retryAfterMs], [Reason.KeyProviderThrottled, 1_500]);
  });

  it('reports a database fault the provider did not classify as DatabaseProviderFailed, and writes no Secret', async () => {
    const { context, writes } = failingProviders({ database: new DatabaseOperationFailed('creating role tenant_acme: permission denied') });
    const outcome = await ensureDatabase(context);
    assert.deepEqual(reasonOf(outcome), [ConditionType.DatabaseReady, 'False', Reason.DatabaseProviderFailed]);
    assert.equal(outcome.message, 'creating role tenant_acme: permission denied');
    assert.deepEqual(writes, []);
  });

  it("keeps the database provider's own reasons", async () => {
    const { context } = failingProviders({ database: new DatabaseUnavailable('the PostgreSQL server is unavailable') });
    assert.equal((await ensureDatabase(context)).reason, Reason.DatabaseUnavailable);
  });
});
