import assert from 'node:assert/strict';
import { KeySpecInvalid } from './errors.js';
import { assertValidKeySpec, assertValidPendingWindow } from './spec-validation.js';

const spec = {
  tenant: 'acme',
  tenantUid: 'u1',
  alias: 'alias/bulkhead/acme',
  principal: 'arn:aws:iam::123456789012:role/x',
  rotation: true,
};

describe('key spec validation', () => {
  it('accepts a tenant alias under alias/bulkhead/', () => {
    assert.doesNotThrow(() => assertValidKeySpec(spec));
  });

  it('refuses aliases KMS would refuse or that belong to AWS', () => {
    for (const alias of ['bulkhead/acme', 'alias/bulkhead/a"b', 'alias/bulkhead/a b', 'alias/aws/acme', 'alias/']) {
      assert.throws(() => assertValidKeySpec({ ...spec, alias }), KeySpecInvalid, alias);
    }
  });

  it('refuses a spec without a UID or with a principal that is not an ARN', () => {
    assert.throws(() => assertValidKeySpec({ ...spec, tenantUid: '' }), /has no UID/);
    assert.throws(() => assertValidKeySpec({ ...spec, principal: 'acme' }), /not an ARN/);
  });

  it('allows deletion windows of 7 to 30 whole days only', () => {
    for (const days of [7, 30]) assert.doesNotThrow(() => assertValidPendingWindow(days));
    for (const days of [6, 31, 7.5, Number.NaN]) assert.throws(() => assertValidPendingWindow(days), KeySpecInvalid, String(days));
  });
});
