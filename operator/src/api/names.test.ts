/** The names Bulkhead derives for a tenant, and that the longest tenant name fits every limit. */
import assert from 'node:assert/strict';
import { databaseName, databaseSecretName, encryptionKeyConfigMapName, keyAlias, namespaceName, releaseName, roleName } from './names.js';
import { maximumTenantNameLength, tenantNameProblems } from './tenant.js';

const acme = { metadata: { name: 'acme-eu' } };
/** Forty characters, dashes included, since they become underscores in database names. */
const longest = { metadata: { name: `${'a-'.repeat(maximumTenantNameLength / 2 - 1)}ab` } };

describe('names', () => {
  it('derives every name from the tenant name', () => {
    assert.equal(namespaceName(acme), 'tenant-acme-eu');
    assert.equal(databaseName(acme), 'tenant_acme_eu');
    assert.equal(roleName(acme), 'tenant_acme_eu');
    assert.equal(keyAlias(acme), 'alias/bulkhead/acme-eu');
    assert.equal(databaseSecretName(acme), 'acme-eu-database');
    assert.equal(encryptionKeyConfigMapName(acme), 'acme-eu-encryption-key');
    assert.equal(releaseName(acme), 'tenant-acme-eu');
  });

  it('uses a longest name the CRD accepts', () => {
    assert.equal(longest.metadata.name.length, maximumTenantNameLength);
    assert.deepEqual(tenantNameProblems(longest.metadata.name), []);
  });

  it("fits the longest tenant's database and role names in PostgreSQL's 63-byte identifiers", () => {
    assert.ok(Buffer.byteLength(databaseName(longest)) <= 63);
    assert.ok(Buffer.byteLength(roleName(longest)) <= 63);
  });

  it('writes database and role names that need no quoting in SQL', () => {
    assert.match(databaseName(longest), /^[a-z_][a-z0-9_]*$/);
  });

  it("fits the longest tenant's namespace in a 63-character DNS-1123 label", () => {
    assert.ok(namespaceName(longest).length <= 63);
    assert.match(namespaceName(longest), /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
  });

  it("fits the longest tenant's Helm release in Helm's 53 characters", () => {
    assert.ok(releaseName(longest).length <= 53);
  });

  it("fits the longest tenant's Secret and ConfigMap names in a DNS-1123 subdomain", () => {
    assert.ok(databaseSecretName(longest).length <= 253);
    assert.ok(encryptionKeyConfigMapName(longest).length <= 253);
  });
});
