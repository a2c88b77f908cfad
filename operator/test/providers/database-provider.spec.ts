/**
 * The database provider against the real PostgreSQL server: every tenant gets a role and a
 * database of its own that nobody else can reach and from which it can reach nothing else;
 * passwords rotate without ever being written in steady state; drift is put back; a namesake's
 * retained data is never handed over; names are quoted whatever they hold.
 */
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { createLogger } from '../../src/runtime/logging.js';
import {
  DatabaseOwnedByAnotherTenant,
  DatabaseSpecInvalid,
  DatabaseUnavailable,
  PostgresDatabaseProvider,
  generatePassword,
  type TenantDatabaseSpec,
} from '../../src/providers/database/index.js';
import { adminQuery, adminServer, connectedAs, loginRefusal, objectsMarkedWith, tenantDatabaseSpec } from './support/postgres.js';
import { soleActorFence } from './support/fence.js';

describe('the PostgreSQL database provider', function () {
  let provider: PostgresDatabaseProvider;
  let logLines: string[];

  before(function () {
    const stream = new PassThrough();
    logLines = [];
    stream.on('data', (chunk: Buffer) => logLines.push(chunk.toString()));
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ stream, level: 'debug' }) });
  });

  after(async function () {
    await provider.close();
  });

  describe('a tenant database', function () {
    let a: TenantDatabaseSpec;
    let b: TenantDatabaseSpec;
    let passwordA: string;
    let passwordB: string;

    before(async function () {
      a = tenantDatabaseSpec('iso-a');
      b = tenantDatabaseSpec('iso-b');
      passwordA = generatePassword();
      passwordB = generatePassword();
      assert.deepEqual(await provider.ensure(a, passwordA), {
        created: { role: true, database: true },
        passwordChanged: false,
        repaired: [],
      });
      await provider.ensure(b, passwordB);
    });

    after(async function () {
      await provider.drop(a, soleActorFence);
      await provider.drop(b, soleActorFence);
    });

    it("lets the tenant's credentials into its own database, where it can create tables", async function () {
      const rows = await connectedAs(a.roleName, passwordA, a.databaseName, async (client) => {
        await client.query('CREATE TABLE orders (id int)');
        await client.query('INSERT INTO orders VALUES (1)');
        return (await client.query<{ current_user: string }>('SELECT current_user')).rows;
      });
      assert.deepEqual(rows, [{ current_user: a.roleName }]);
    });

    it("keeps tenant A's credentials out of tenant B's database", async function () {
      assert.match((await loginRefusal(a.roleName, passwordA, b.databaseName)) ?? 'connected', /permission denied for database/);
      assert.match((await loginRefusal(b.roleName, passwordB, a.databaseName)) ?? 'connected', /permission denied for database/);
    });

    it('refuses a wrong password', async function () {
      assert.match((await loginRefusal(a.roleName, passwordB, a.databaseName)) ?? 'connected', /password authentication failed/);
    });

    it('gives the tenant role no way to create databases or roles', async function () {
      await connectedAs(a.roleName, passwordA, a.databaseName, async (client) => {
        await assert.rejects(client.query(`CREATE DATABASE "${a.databaseName}_more"`), /permission denied to create database/);
        await assert.rejects(client.query('CREATE ROLE intruder LOGIN'), /permission denied to create role/);
      });
    });

    it('creates the role with LOGIN, its connection limit and none of the reaching attributes', async function () {
      const [role] = await adminQuery(
        'SELECT rolcanlogin, rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolinherit, rolconnlimit FROM pg_roles WHERE rolname = $1',
        [a.roleName],
      );
      assert.deepEqual(role, {
        rolcanlogin: true,
        rolsuper: false,
        rolcreatedb: false,
        rolcreaterole: false,
        rolreplication: false,
        rolbypassrls: false,
        rolinherit: false,
        rolconnlimit: 5,
      });
    });

    it('leaves PUBLIC no privilege on the tenant database, and the tenant role as its owner', async function () {
      const [database] = await adminQuery<{ connect: boolean; temp: boolean; grants: number; owner: string }>(
        `SELECT has_database_privilege('public', datname, 'CONNECT') AS connect,
                has_database_privilege('public', datname, 'TEMPORARY') AS temp,
                (SELECT count(*)::int FROM aclexplode(datacl) WHERE grantee = 0) AS grants,
                pg_get_userbyid(datdba) AS owner
           FROM pg_database WHERE datname = $1`,
        [a.databaseName],
      );
      assert.deepEqual(database, { connect: false, temp: false, grants: 0, owner: a.roleName });
    });

    it("closes schema public of the tenant database to PUBLIC and gives it to the tenant's role", async function () {
      const [schema] = await adminQuery<{ usage: boolean; owner: string }>(
        `SELECT has_schema_privilege('public', 'public', 'USAGE') AS usage, pg_get_userbyid(nspowner) AS owner
           FROM pg_namespace WHERE nspname = 'public'`,
        [],
        a.databaseName,
      );
      assert.deepEqual(schema, { usage: false, owner: a.roleName });
    });

    it("marks the database and the role with the tenant's name and UID", async function () {
      assert.deepEqual(await objectsMarkedWith(a.tenantUid), { roles: 1, databases: 1 });
    });

    it('writes nothing when called again with the same password', async function () {
      assert.deepEqual(await provider.ensure(a, passwordA), {
        created: { role: false, database: false },
        passwordChanged: false,
        repaired: [],
      });
      assert.equal(await provider.passwordMatches(a.roleName, passwordA), true);
    });

    it('never writes a password or its verifier into the logs', function () {
      const logs = logLines.join('');
      assert.ok(logs.includes('Created database role'), 'the provider logged nothing at all');
      for (const secret of [passwordA, passwordB, 'SCRAM-SHA-256', 'PASSWORD']) assert.ok(!logs.includes(secret), secret);
    });
  });

  it('rotates the password: the new one works, the old one no longer does', async function () {
    const spec = tenantDatabaseSpec('rotate');
    const oldPassword = generatePassword();
    const newPassword = generatePassword();
    try {
      await provider.ensure(spec, oldPassword);
      assert.equal((await provider.ensure(spec, newPassword)).passwordChanged, true);
      assert.match((await loginRefusal(spec.roleName, oldPassword, spec.databaseName)) ?? 'connected', /password authentication failed/);
      assert.equal(await loginRefusal(spec.roleName, newPassword, spec.databaseName), undefined);
      assert.equal(await provider.passwordMatches(spec.roleName, oldPassword), false);
      assert.equal((await provider.ensure(spec, newPassword)).passwordChanged, false);
    } finally {
      await provider.drop(spec, soleActorFence);
    }
  });

  it('puts back role attributes, owner and privileges that someone changed', async function () {
    const spec = tenantDatabaseSpec('drift');
    const password = generatePassword();
    try {
      await provider.ensure(spec, password);
      await adminQuery(`ALTER ROLE "${spec.roleName}" CREATEDB INHERIT NOLOGIN CONNECTION LIMIT 99`);
      await adminQuery(`ALTER DATABASE "${spec.databaseName}" OWNER TO postgres`);
      await adminQuery(`GRANT CONNECT ON DATABASE "${spec.databaseName}" TO PUBLIC`);
      const result = await provider.ensure(spec, password);
      assert.deepEqual(result.repaired, ['role attributes', 'database owner', 'database privileges']);
      assert.equal(await loginRefusal(spec.roleName, password, spec.databaseName), undefined);
      const [state] = await adminQuery(
        `SELECT r.rolcreatedb, r.rolinherit, r.rolconnlimit, pg_get_userbyid(d.datdba) AS owner, has_database_privilege('public', d.datname, 'CONNECT') AS public_connect
           FROM pg_roles r, pg_database d WHERE r.rolname = $1 AND d.datname = $2`,
        [spec.roleName, spec.databaseName],
      );
      assert.deepEqual(state, { rolcreatedb: false, rolinherit: false, rolconnlimit: 5, owner: spec.roleName, public_connect: false });
    } finally {
      await provider.drop(spec, soleActorFence);
    }
  });

  it("takes LOGIN from a suspended tenant's role and ends its sessions only, writes nothing more while suspended, and gives LOGIN back", async function () {
    const spec = tenantDatabaseSpec('suspend');
    const bystander = tenantDatabaseSpec('bystander');
    const password = generatePassword();
    const bystanderPassword = generatePassword();
    try {
      await provider.ensure(spec, password);
      await provider.ensure(bystander, bystanderPassword);
      await connectedAs(bystander.roleName, bystanderPassword, bystander.databaseName, async (other) => {
        await connectedAs(spec.roleName, password, spec.databaseName, async (open) => {
          const result = await provider.ensure({ ...spec, suspended: true }, password);
          assert.deepEqual(result, { created: { role: false, database: false }, passwordChanged: false, repaired: [] });
          await assert.rejects(open.query('SELECT 1'), 'the open session was ended');
          assert.deepEqual((await other.query('SELECT 1 AS one')).rows, [{ one: 1 }], "another tenant's session is untouched");
        });
      });
      assert.match((await loginRefusal(spec.roleName, password, spec.databaseName)) ?? 'connected', /not permitted to log in/);
      assert.deepEqual((await provider.ensure({ ...spec, suspended: true }, password)).repaired, [], 'nothing to write the second time');
      assert.deepEqual((await provider.ensure(spec, password)).repaired, ['role attributes']);
      assert.equal(await loginRefusal(spec.roleName, password, spec.databaseName), undefined, 'the same password works again');
    } finally {
      await provider.drop(spec, soleActorFence);
      await provider.drop(bystander, soleActorFence);
    }
  });

  describe('a new tenant with the name of a deleted one whose database was retained', function () {
    let former: TenantDatabaseSpec;
    let successor: TenantDatabaseSpec;

    before(async function () {
      former = tenantDatabaseSpec('namesake');
      successor = { ...former, tenantUid: `${former.tenantUid}-successor` };
      const password = generatePassword();
      await provider.ensure(former, password);
      await connectedAs(former.roleName, password, former.databaseName, async (client) => {
        await client.query("CREATE TABLE secrets AS SELECT 'former tenant data'::text AS value");
      });
      await provider.retain(former);
    });

    after(async function () {
      await provider.drop(former, soleActorFence);
    });

    it('is refused the retained database, naming whose it is, and gets nothing created', async function () {
      await assert.rejects(provider.ensure(successor, generatePassword()), (error: Error) => {
        assert.ok(error instanceof DatabaseOwnedByAnotherTenant);
        assert.equal(error.reason, 'DatabaseOwnedByAnotherTenant');
        assert.match(
          error.message,
          new RegExp(`with UID ${former.tenantUid} .*not to tenant "${successor.tenant}" with UID ${successor.tenantUid}`),
        );
        return true;
      });
      assert.deepEqual(await objectsMarkedWith(successor.tenantUid), { roles: 0, databases: 0 });
    });

    it('leaves the retained data alone when the new tenant is deleted in turn', async function () {
      await provider.drop(successor, soleActorFence);
      assert.deepEqual(await provider.retain(successor), { role: 'foreign', database: 'foreign' });
      const rows = await adminQuery('SELECT value FROM secrets', [], former.databaseName);
      assert.deepEqual(rows, [{ value: 'former tenant data' }]);
    });
  });

  it("refuses a database of the tenant's name that Bulkhead did not create, and creates nothing", async function () {
    const spec = tenantDatabaseSpec('squatter');
    await adminQuery(`CREATE DATABASE "${spec.databaseName}"`);
    try {
      await assert.rejects(provider.ensure(spec, generatePassword()), /belongs to something Bulkhead did not create/);
      assert.deepEqual(await objectsMarkedWith(spec.tenantUid), { roles: 0, databases: 0 });
      await provider.drop(spec, soleActorFence);
      assert.equal((await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [spec.databaseName])).length, 1);
    } finally {
      await adminQuery(`DROP DATABASE "${spec.databaseName}"`);
    }
  });

  describe('with hostile names', function () {
    const hostileNames = [
      'tenant_"; DROP DATABASE postgres; --',
      "tenant_o'brien; SELECT pg_sleep(10)",
      'tenant_zürich_東京_🚀',
      'Tenant With Spaces\\And Backslash',
      `tenant_${'x'.repeat(56)}`, // 63 bytes, the most PostgreSQL keeps
    ];

    for (const name of hostileNames) {
      it(`creates, uses and drops exactly the database and role named ${JSON.stringify(name)}`, async function () {
        const base = tenantDatabaseSpec('hostile');
        const spec: TenantDatabaseSpec = { ...base, tenant: `${name}'"\\`, databaseName: name, roleName: name };
        const password = generatePassword();
        await adminQuery('SELECT 1'); // the server is fine before
        await provider.ensure(spec, password);
        assert.equal((await provider.ensure(spec, password)).passwordChanged, false);
        const [{ datname } = { datname: '' }] = await adminQuery<{ datname: string }>(
          'SELECT datname FROM pg_database WHERE datname = $1',
          [name],
        );
        assert.equal(datname, name);
        assert.equal(await loginRefusal(name, password, name), undefined);
        await provider.drop(spec, soleActorFence);
        assert.deepEqual(
          await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1 UNION ALL SELECT 1 FROM pg_roles WHERE rolname = $1', [name]),
          [],
        );
        assert.equal((await adminQuery<{ n: number }>("SELECT count(*)::int AS n FROM pg_database WHERE datname = 'postgres'"))[0]?.n, 1);
      });
    }

    it('refuses a 64-byte name instead of letting PostgreSQL truncate it', async function () {
      const spec = { ...tenantDatabaseSpec('long'), databaseName: 'x'.repeat(64) };
      await assert.rejects(provider.ensure(spec, generatePassword()), DatabaseSpecInvalid);
    });
  });

  it('closes the admin database to tenant roles once the server is hardened', async function () {
    const spec = tenantDatabaseSpec('harden');
    const password = generatePassword();
    try {
      await provider.ensure(spec, password);
      await provider.hardenServer();
      await provider.hardenServer();
      assert.match((await loginRefusal(spec.roleName, password, 'postgres')) ?? 'connected', /permission denied for database/);
      assert.match((await loginRefusal(spec.roleName, password, 'template1')) ?? 'connected', /permission denied for database/);
      assert.equal(await loginRefusal(spec.roleName, password, spec.databaseName), undefined);
    } finally {
      await provider.drop(spec, soleActorFence);
    }
  });

  describe('when the server cannot be used', function () {
    it('reports an unreachable server as DatabaseUnavailable', async function () {
      const unreachable = new PostgresDatabaseProvider(
        { ...adminServer(), port: 1 },
        { logger: createLogger({ silent: true }), connectionTimeoutMillis: 1000 },
      );
      try {
        await assert.rejects(unreachable.ensure(tenantDatabaseSpec('down'), generatePassword()), (error: Error) => {
          assert.ok(error instanceof DatabaseUnavailable);
          assert.equal(error.reason, 'DatabaseUnavailable');
          assert.match(
            error.message,
            /reading the tenant (role from pg_authid|database): the PostgreSQL server is unavailable: .*ECONNREFUSED/,
          );
          return true;
        });
      } finally {
        await unreachable.close();
      }
    });

    it('reports refused admin credentials as DatabaseUnavailable without echoing them', async function () {
      const adminPassword = `wrong-${generatePassword()}`;
      const refused = new PostgresDatabaseProvider({ ...adminServer(), adminPassword }, { logger: createLogger({ silent: true }) });
      try {
        await assert.rejects(refused.ensure(tenantDatabaseSpec('badadmin'), generatePassword()), (error: Error) => {
          assert.ok(error instanceof DatabaseUnavailable);
          assert.match(error.message, /password authentication failed/);
          assert.ok(!error.message.includes(adminPassword));
          return true;
        });
      } finally {
        await refused.close();
      }
    });
  });
});
