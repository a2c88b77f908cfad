import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { platformFieldsSet } from './platform-fields.js';
import { CreateTenantRequestSchema } from './schemas.js';

const base = {
  name: 'acme',
  displayName: 'Acme',
  plan: 'standard',
  region: 'eu-central-1',
  owners: [{ kind: 'Group', name: 'acme-admins' }],
};

describe('create-tenant request schema', function () {
  it('accepts what sales ops send, with app values', function () {
    const request = CreateTenantRequestSchema.parse({ ...base, app: { values: { theme: 'blue' } } });
    assert.deepEqual(platformFieldsSet(request), []);
  });

  it('refuses unknown fields, status and namespace (no mass assignment)', function () {
    for (const extra of [{ status: {} }, { namespace: 'x' }, { spec: {} }, { suspended: true }]) {
      const result = CreateTenantRequestSchema.safeParse({ ...base, ...extra });
      assert.ok(!result.success, JSON.stringify(extra));
      assert.equal(result.error.issues[0]?.code, 'unrecognized_keys');
    }
  });

  it('refuses hostile and reserved names with the CRD words', function () {
    for (const name of ['kube-system', 'bulkhead-x', '../etc', 'Acme', 'a'.repeat(41), 'acme;rm']) {
      assert.ok(!CreateTenantRequestSchema.safeParse({ ...base, name }).success, name);
    }
  });

  it('lists the platform-only fields a request sets', function () {
    const request = CreateTenantRequestSchema.parse({
      ...base,
      app: { version: '1.2.3' },
      network: { allowEgressCIDRs: [] },
      database: { deletionPolicy: 'Delete' },
    });
    assert.deepEqual(
      platformFieldsSet(request).map((e) => e.field),
      ['app.version', 'network', 'database.deletionPolicy'],
    );
    assert.deepEqual(platformFieldsSet(CreateTenantRequestSchema.parse({ ...base, database: { deletionPolicy: 'Retain' } })), []);
  });

  it("lists the export's recipient key: its holder reads the tenant's final export", function () {
    const recipientPublicKey = generateKeyPairSync('rsa', { modulusLength: 3072 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    const request = CreateTenantRequestSchema.parse({ ...base, database: { export: { recipientPublicKey } } });
    assert.deepEqual(
      platformFieldsSet(request).map((e) => e.field),
      ['database.export'],
    );
  });
});
