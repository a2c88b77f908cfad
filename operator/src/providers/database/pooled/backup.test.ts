/** The pooled restore's script: the schema made as ensure makes it, objects restored as the tenant, its shared rows alone replaced. */
import assert from 'node:assert/strict';
import { pooledRestoreScript, withoutSchemaEntries } from './backup.js';
import type { PooledTenantSpec } from './types.js';

const spec: PooledTenantSpec = {
  tenant: 'acme',
  tenantUid: 'a1b2',
  databaseName: 'bulkhead_pool',
  roleName: 'tenant_acme',
  schemaName: 'tenant_acme',
  connectionLimit: 5,
};

describe('the pooled restore', () => {
  it("drops the schema's own entries (the schema and the pool's marker) from the dump's table of contents, and nothing else", () => {
    const list = [
      ';',
      '; Archive created at 2026-12-07 05:00:00 UTC',
      '5; 2615 16390 SCHEMA - tenant_acme bulkhead',
      '3390; 0 0 COMMENT - SCHEMA tenant_acme bulkhead',
      '218; 1259 16391 TABLE tenant_acme orders bulkhead',
      '3391; 0 0 COMMENT tenant_acme TABLE orders bulkhead',
      '3392; 0 16391 TABLE DATA tenant_acme orders bulkhead',
      '6; 2615 16400 SCHEMA - tenant_acme_2 bulkhead',
    ].join('\n');
    assert.deepEqual(withoutSchemaEntries(list, 'tenant_acme').split('\n'), [
      ';',
      '; Archive created at 2026-12-07 05:00:00 UTC',
      '218; 1259 16391 TABLE tenant_acme orders bulkhead',
      '3391; 0 0 COMMENT tenant_acme TABLE orders bulkhead',
      '3392; 0 16391 TABLE DATA tenant_acme orders bulkhead',
      '6; 2615 16400 SCHEMA - tenant_acme_2 bulkhead',
    ]);
  });

  it("makes the schema again as ensure does, restores as the tenant's role, and replaces only the tenant's shared rows", () => {
    const rows = [{ tenant: 'tenant_other', key: 'plan', value: "it's gold" }];
    const script = pooledRestoreScript(spec, '/work/restore/schema.sql', [{ schema: 'bulkhead_shared', table: 'tenant_settings', rows }]);
    const lines = script.trim().split('\n');
    assert.equal(lines[0], 'DROP SCHEMA IF EXISTS "tenant_acme" CASCADE;');
    assert.equal(lines[1], 'CREATE SCHEMA "tenant_acme" AUTHORIZATION "bulkhead_pool_owner";');
    assert.ok(lines.includes('GRANT USAGE, CREATE ON SCHEMA "tenant_acme" TO "tenant_acme";'));
    const setRole = lines.indexOf('SET ROLE "tenant_acme";');
    assert.equal(lines[setRole + 1], "\\i '/work/restore/schema.sql'");
    assert.equal(lines[setRole + 2], 'RESET ROLE;');
    assert.ok(lines.includes(`DELETE FROM "bulkhead_shared"."tenant_settings" WHERE tenant = 'tenant_acme';`));
    const insert = lines.find((line) => line.startsWith('INSERT INTO'));
    assert.match(
      insert ?? '',
      /jsonb_build_object\('tenant', 'tenant_acme'\)/,
      "every row is given the tenant's own role, whatever the archive said",
    );
    assert.match(insert ?? '', /it''s gold/);
  });

  it('refuses rows of a table that is not a shared table of the pool', () => {
    assert.throws(
      () => pooledRestoreScript(spec, '/x.sql', [{ schema: 'public', table: 'secrets', rows: [] }]),
      /public\.secrets, which is not a shared table of the pool; nothing was restored/,
    );
  });
});
