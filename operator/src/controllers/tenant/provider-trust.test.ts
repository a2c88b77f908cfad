import assert from 'node:assert/strict';
import { ConditionType, Reason } from '../../api/conditions.js';
import type { StepContext } from './context.js';
import { inputsDigest, trustedOutcome } from './provider-trust.js';

const verifiedKey = {
  type: ConditionType.EncryptionKeyReady,
  status: 'True' as const,
  reason: Reason.Reconciled,
  message: 'key k-1 (alias/bulkhead/acme) in eu-central-1, rotation on',
  observedGeneration: 3,
  lastTransitionTime: '2026-12-06T10:00:00Z',
};
const contextWith = (restartPass: boolean, condition: Record<string, unknown> = verifiedKey): Pick<StepContext, 'tenant' | 'restartPass'> =>
  ({ restartPass, tenant: { metadata: { name: 'acme', generation: 3 }, status: { conditions: [condition] } } }) as unknown as Pick<
    StepContext,
    'tenant' | 'restartPass'
  >;
const inputs = inputsDigest({ alias: 'alias/bulkhead/acme', rotation: true });
const report = { encryption: { keyId: 'k-1' } };

describe('trusting a provider’s state as the status recorded it', () => {
  it('carries the verified condition on the restart pass when the inputs are the same', () => {
    assert.deepEqual(trustedOutcome(contextWith(true), ConditionType.EncryptionKeyReady, { recorded: inputs, inputs }, report), {
      type: ConditionType.EncryptionKeyReady,
      status: 'True',
      reason: Reason.Reconciled,
      message: verifiedKey.message,
      report,
    });
  });

  it('asks the provider on any later pass, when the inputs changed or were never recorded, and for a step not True at this generation', () => {
    const other = inputsDigest({ alias: 'alias/bulkhead/acme', rotation: false });
    const cases: [string, Pick<StepContext, 'tenant' | 'restartPass'>, string | undefined][] = [
      ['a later pass', contextWith(false), inputs],
      ['inputs changed', contextWith(true), other],
      ['nothing recorded', contextWith(true), undefined],
      ['step failed', contextWith(true, { ...verifiedKey, status: 'False', reason: Reason.KeyProviderUnavailable }), inputs],
      ['older generation', contextWith(true, { ...verifiedKey, observedGeneration: 2 }), inputs],
    ];
    for (const [what, context, recorded] of cases) {
      assert.equal(trustedOutcome(context, ConditionType.EncryptionKeyReady, { recorded, inputs }, report), undefined, what);
    }
  });

  it('digests the same inputs the same whatever their key order', () => {
    assert.equal(inputsDigest({ rotation: true, alias: 'alias/bulkhead/acme' }), inputs);
  });
});
