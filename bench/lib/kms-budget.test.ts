import assert from 'node:assert/strict';
import { kmsCostEstimate, kmsThrottleRate, modelledOnboardingPerTenant } from './kms-budget.js';

describe("the bench's KMS cost estimate", () => {
  it('sets 1000 new tenants at 200 s: one CreateKey (and one CreateAlias, one EnableKeyRotation) each at 5/s', () => {
    const rows = kmsCostEstimate(modelledOnboardingPerTenant, 1000);
    assert.equal(rows[0]?.seconds, 200);
    assert.deepEqual(
      rows
        .filter((r) => r.seconds === 200)
        .map((r) => r.operation)
        .sort(),
      ['CreateAlias', 'CreateKey', 'EnableKeyRotation'],
    );
    assert.equal(rows.find((r) => r.operation === 'GetKeyRotationStatus')?.seconds, 33.3);
  });

  it('reads BENCH_KMS_THROTTLE as a rate, "count", or nothing, and refuses anything else', () => {
    assert.equal(kmsThrottleRate(undefined), undefined);
    assert.equal(kmsThrottleRate('2.5'), 2.5);
    assert.equal(kmsThrottleRate('count'), Number.POSITIVE_INFINITY);
    assert.throws(() => kmsThrottleRate('0'), /BENCH_KMS_THROTTLE/);
    assert.throws(() => kmsThrottleRate('fast'), /BENCH_KMS_THROTTLE/);
  });
});
