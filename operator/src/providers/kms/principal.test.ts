import assert from 'node:assert/strict';
import { KeySpecInvalid } from './errors.js';
import { defaultPrincipalTemplate, tenantPrincipal } from './principal.js';

const variables = { tenant: 'acme', accountId: '123456789012', partition: 'aws' };

describe('the tenant principal', () => {
  it('is filled in from the template', () => {
    assert.equal(tenantPrincipal(defaultPrincipalTemplate, variables), 'arn:aws:iam::123456789012:role/bulkhead-tenant-acme');
    assert.equal(
      tenantPrincipal('arn:{partition}:iam::{accountId}:role/workloads/{tenant}-app', { ...variables, partition: 'aws-cn' }),
      'arn:aws-cn:iam::123456789012:role/workloads/acme-app',
    );
  });

  it('refuses a template with an unknown placeholder', () => {
    assert.throws(() => tenantPrincipal('arn:aws:iam::{account}:role/{tenant}', variables), /unknown placeholder \{account\}/);
  });

  it('refuses a template that does not give an IAM ARN', () => {
    assert.throws(() => tenantPrincipal('role/{tenant}', variables), KeySpecInvalid);
    assert.throws(() => tenantPrincipal('arn:aws:iam::12345:role/{tenant}', variables), KeySpecInvalid);
  });
});
