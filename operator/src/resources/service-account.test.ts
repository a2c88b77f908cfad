import assert from 'node:assert/strict';
import { buildDefaultServiceAccount } from './service-account.js';

describe('the default ServiceAccount', () => {
  const account = buildDefaultServiceAccount({ name: 'acme', uid: 'u1' }, 'tenant-acme');

  it('turns token automount off and sets nothing else of the account', () => {
    assert.equal(account.automountServiceAccountToken, false);
    assert.deepEqual(Object.keys(account).sort(), ['apiVersion', 'automountServiceAccountToken', 'kind', 'metadata']);
    assert.equal(account.metadata.name, 'default');
    assert.equal(account.metadata.namespace, 'tenant-acme');
  });

  it('carries the tenant labels and owner reference, so the tenant controller sees changes to it', () => {
    assert.equal(account.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(account.metadata.labels?.['app.kubernetes.io/managed-by'], 'bulkhead');
    assert.equal(account.metadata.ownerReferences?.[0]?.uid, 'u1');
  });
});
