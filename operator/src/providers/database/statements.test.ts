import assert from 'node:assert/strict';
import { DatabaseSpecInvalid } from './errors.js';
import { alterRolePassword, createDatabase, createRole, commentOnDatabase, dropDatabase, roleAttributes } from './statements.js';
import type { TenantDatabaseSpec } from './types.js';

const spec: TenantDatabaseSpec = {
  tenant: 'acme',
  tenantUid: 'u1',
  databaseName: 'tenant_acme',
  roleName: 'tenant_acme',
  connectionLimit: 20,
};
const hostile: TenantDatabaseSpec = {
  ...spec,
  tenant: "x'; DROP ROLE postgres; --",
  databaseName: 'd"; DROP DATABASE postgres; --',
  roleName: 'r"x',
};

describe('database statements', () => {
  it('give the role LOGIN and nothing that reaches beyond its database', () => {
    assert.equal(roleAttributes(spec), 'LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 20');
  });

  it('take LOGIN from a suspended tenant and nothing else', () => {
    assert.equal(
      roleAttributes({ ...spec, suspended: true }),
      'NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS NOINHERIT CONNECTION LIMIT 20',
    );
  });

  it('set passwords only as SCRAM verifiers', () => {
    assert.equal(
      createRole(spec, 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5'),
      `CREATE ROLE "tenant_acme" WITH ${roleAttributes(spec)} PASSWORD 'SCRAM-SHA-256$4096:c2FsdA==$a2V5:a2V5'`,
    );
    assert.equal(alterRolePassword(spec, 'SCRAM-SHA-256$v'), `ALTER ROLE "tenant_acme" WITH PASSWORD 'SCRAM-SHA-256$v'`);
  });

  it('quote hostile names and comments so they stay one identifier or literal', () => {
    assert.equal(createDatabase(hostile), 'CREATE DATABASE "d""; DROP DATABASE postgres; --" WITH OWNER "r""x" TEMPLATE template0');
    assert.equal(dropDatabase(hostile).sql, 'DROP DATABASE IF EXISTS "d""; DROP DATABASE postgres; --" WITH (FORCE)');
    assert.equal(
      commentOnDatabase(hostile),
      `COMMENT ON DATABASE "d""; DROP DATABASE postgres; --" IS '{"managedBy":"bulkhead","tenant":"x''; DROP ROLE postgres; --","tenantUid":"u1"}'`,
    );
  });

  it('refuse a connection limit that is not a whole number', () => {
    for (const connectionLimit of [1.5, Number.NaN, -2, 0]) {
      assert.throws(() => roleAttributes({ ...spec, connectionLimit }), DatabaseSpecInvalid);
    }
    assert.throws(() => roleAttributes({ ...spec, connectionLimit: '1; DROP ROLE x' as unknown as number }), DatabaseSpecInvalid);
  });
});
