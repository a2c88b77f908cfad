/** The app's database Secret and encryption-key ConfigMap. */
import assert from 'node:assert/strict';
import { buildDatabaseSecret, buildEncryptionConfigMap, connectionUri, readSecretValue } from './tenant-credentials.js';

const tenant = { name: 'acme', uid: 'uid-1' };
const credentials = { host: 'db.internal', port: 5432, database: 'tenant_acme', username: 'tenant_acme', password: 'p@ss/w:rd' };

describe('the database credentials Secret', () => {
  const secret = buildDatabaseSecret(tenant, { name: 'acme-database', namespace: 'tenant-acme' }, credentials);

  it('is an Opaque Secret in the tenant namespace, labelled and owned by the Tenant', () => {
    assert.equal(secret.kind, 'Secret');
    assert.equal(secret.type, 'Opaque');
    assert.equal(secret.metadata.name, 'acme-database');
    assert.equal(secret.metadata.namespace, 'tenant-acme');
    assert.equal(secret.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(secret.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  });

  it('holds each credential base64-encoded in data, and no stringData', () => {
    assert.deepEqual(Object.keys(secret.data ?? {}).sort(), ['database', 'host', 'password', 'port', 'uri', 'username']);
    assert.equal(secret.stringData, undefined);
    assert.equal(secret.data?.password, Buffer.from('p@ss/w:rd').toString('base64'));
    assert.equal(readSecretValue(secret, 'port'), '5432');
    assert.equal(readSecretValue(secret, 'missing'), undefined);
  });

  it('percent-encodes the password in the URI and brackets an IPv6 host', () => {
    assert.equal(readSecretValue(secret, 'uri'), 'postgresql://tenant_acme:p%40ss%2Fw%3Ard@db.internal:5432/tenant_acme');
    assert.equal(connectionUri({ ...credentials, host: 'fd00::5' }), 'postgresql://tenant_acme:p%40ss%2Fw%3Ard@[fd00::5]:5432/tenant_acme');
  });

  it('records the rotation request its password answers, and nothing when there is none', () => {
    assert.equal(secret.metadata.annotations, undefined);
    const rotated = buildDatabaseSecret(tenant, { name: 'acme-database', namespace: 'tenant-acme', rotation: 'r2' }, credentials);
    assert.deepEqual(rotated.metadata.annotations, { 'bulkhead.dev/password-rotation': 'r2' });
  });
});

describe('the encryption-key ConfigMap', () => {
  const key = { keyId: 'k-1', arn: 'arn:aws:kms:eu-central-1:000000000000:key/k-1', alias: 'alias/bulkhead/acme', region: 'eu-central-1' };

  it('names the key, in the tenant namespace, labelled and owned by the Tenant', () => {
    const map = buildEncryptionConfigMap(tenant, { name: 'acme-encryption-key', namespace: 'tenant-acme' }, key) as {
      data: Record<string, string>;
    } & ReturnType<typeof buildEncryptionConfigMap>;
    assert.deepEqual(map.data, {
      KMS_KEY_ID: 'k-1',
      KMS_KEY_ARN: key.arn,
      KMS_KEY_ALIAS: 'alias/bulkhead/acme',
      KMS_REGION: 'eu-central-1',
    });
    assert.equal(map.kind, 'ConfigMap');
    assert.equal(map.metadata.namespace, 'tenant-acme');
    assert.equal(map.metadata.labels?.['bulkhead.dev/tenant'], 'acme');
    assert.equal(map.metadata.ownerReferences?.[0]?.uid, 'uid-1');
  });

  it('adds the endpoint only when one is given', () => {
    const map = buildEncryptionConfigMap(
      tenant,
      { name: 'n', namespace: 'tenant-acme' },
      { ...key, endpoint: 'http://kms.local:4566' },
    ) as { data: Record<string, string> } & ReturnType<typeof buildEncryptionConfigMap>;
    assert.equal(map.data.KMS_ENDPOINT, 'http://kms.local:4566');
  });
});
