/** The pooled tier's pure parts: its DDL, and how it judges a schema's grants, a search_path and the pool's setup. */
import assert from 'node:assert/strict';
import { driftedParts } from './ensure-pool.js';
import { foreignGrantees, searchPathIsSchema } from './ensure-schema.js';
import { createTenantSchema, dropTenantFromPool, revokeOnSchema, rowSecurityTemplate, setSearchPath } from './statements.js';
import type { PooledTenantSpec } from './types.js';

const spec: PooledTenantSpec = {
  tenant: 'acme',
  tenantUid: 'uid-1',
  databaseName: 'bulkhead_pool',
  roleName: 'tenant_acme',
  schemaName: 'tenant_acme',
  connectionLimit: 5,
};

describe('the pooled database tier', () => {
  it("creates the tenant's schema owned by the pool owner, marked with its UID, open to its role alone", () => {
    assert.deepEqual(createTenantSchema(spec), [
      'CREATE SCHEMA "tenant_acme" AUTHORIZATION "bulkhead_pool_owner"',
      `COMMENT ON SCHEMA "tenant_acme" IS '{"managedBy":"bulkhead","tenant":"acme","tenantUid":"uid-1"}'`,
      'GRANT USAGE, CREATE ON SCHEMA "tenant_acme" TO "tenant_acme"',
      'GRANT USAGE ON SCHEMA "bulkhead_shared" TO "tenant_acme"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE "bulkhead_shared"."tenant_settings" TO "tenant_acme"',
    ]);
  });

  it('quotes every name, so a hostile one cannot end the statement', () => {
    const hostile = { ...spec, schemaName: 'x"; DROP SCHEMA y; --', roleName: 'r"' };
    assert.equal(setSearchPath(hostile), 'ALTER ROLE "r""" IN DATABASE "bulkhead_pool" SET search_path TO "x""; DROP SCHEMA y; --"');
    assert.equal(revokeOnSchema(hostile, 'PUBLIC'), 'REVOKE ALL ON SCHEMA "x""; DROP SCHEMA y; --" FROM PUBLIC CASCADE');
  });

  it('forces row-level security keyed by the current role on a shared table the pool owner owns', () => {
    const template = rowSecurityTemplate('"s"."t"').join(';\n');
    assert.match(template, /OWNER TO "bulkhead_pool_owner"/);
    assert.match(template, /FORCE ROW LEVEL SECURITY/);
    assert.match(template, /USING \(tenant = current_user\) WITH CHECK \(tenant = current_user\)/);
    assert.match(template, /REVOKE ALL ON TABLE "s"."t" FROM PUBLIC/);
  });

  it("drops a tenant's shared rows only when its role is its own, and its schema only when the schema is", () => {
    assert.deepEqual(
      dropTenantFromPool(spec, { schema: true, role: false }).map((statement) => statement.sql),
      ['DROP SCHEMA IF EXISTS "tenant_acme" CASCADE'],
    );
    assert.deepEqual(
      dropTenantFromPool(spec, { schema: false, role: true }).map((statement) => statement.sql),
      [`DELETE FROM "bulkhead_shared"."tenant_settings" WHERE tenant = 'tenant_acme'`, 'DROP OWNED BY "tenant_acme"'],
    );
  });

  it("names every grantee on the schema other than the pool owner and the tenant's role", () => {
    const acl = [
      { grantee: 'bulkhead_pool_owner', privilege: 'USAGE' },
      { grantee: 'tenant_acme', privilege: 'CREATE' },
      { grantee: 'tenant_globex', privilege: 'USAGE' },
      { grantee: 'PUBLIC', privilege: 'USAGE' },
      { grantee: 'tenant_globex', privilege: 'CREATE' },
    ];
    assert.deepEqual(foreignGrantees({ comment: null, owner: 'bulkhead_pool_owner', acl }, spec), ['PUBLIC', 'tenant_globex']);
  });

  it('reads a search_path as pg_db_role_setting stores it, quoted or not', () => {
    assert.equal(searchPathIsSchema('search_path=tenant_acme', 'tenant_acme'), true);
    assert.equal(searchPathIsSchema('search_path="tenant_acme"', 'tenant_acme'), true);
    assert.equal(searchPathIsSchema('search_path=tenant_acme, public', 'tenant_acme'), false);
    assert.equal(searchPathIsSchema(null, 'tenant_acme'), false);
  });

  it("names each part of the pool's setup that does not hold", () => {
    const holding = {
      publicSchemaClosed: true,
      sharedSchemaOwned: true,
      sharedTableOwned: true,
      rowSecurityForced: true,
      policyAsTemplate: true,
      sharedTableClosed: true,
    };
    assert.deepEqual(driftedParts(holding), []);
    assert.deepEqual(driftedParts({ ...holding, rowSecurityForced: false, policyAsTemplate: false }), [
      'row-level security',
      'row-level security policy',
    ]);
  });
});
