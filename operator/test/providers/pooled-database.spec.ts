/**
 * The pooled database tier against the real PostgreSQL server: two pooled tenants share one pool
 * database, and with their own real logins neither can read the other's schema or rows; shared
 * tables hold each tenant to its own rows (FORCE ROW LEVEL SECURITY, owned by no tenant); a second
 * ensure writes nothing; drift, a GRANT to another tenant included, is put back; deletion retains
 * or drops by policy; and a kill -9 at each step converges.
 */
import assert from 'node:assert/strict';
import { createLogger } from '../../src/runtime/logging.js';
import {
  DatabaseOwnedByAnotherTenant,
  PostgresDatabaseProvider,
  generatePassword,
  roleCrashPoints,
} from '../../src/providers/database/index.js';
import {
  poolCrashPoints,
  poolDatabaseName,
  pooledTeardownCrashPoints,
  schemaCrashPoints,
  sharedTable,
  type PooledDatabaseProvider,
  type PooledTenantSpec,
} from '../../src/providers/database/pooled/index.js';
import { crashDuring } from './support/crash.js';
import { soleActorFence } from './support/fence.js';
import { adminQuery, adminServer, connectedAs, loginRefusal, pooledTenantSpec, tenantDatabaseSpec } from './support/postgres.js';

/** The server's refusal of `sql` run as `user`, or undefined when it ran. */
async function refusal(user: string, password: string, sql: string): Promise<string | undefined> {
  return connectedAs(user, password, poolDatabaseName, async (client) => {
    try {
      await client.query(sql);
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  });
}

describe('the pooled database tier', function () {
  let provider: PostgresDatabaseProvider;
  let pooled: PooledDatabaseProvider;

  before(function () {
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }) });
    pooled = provider.pooled();
  });

  after(async function () {
    await provider.close();
  });

  describe('two pooled tenants in one pool', function () {
    let a: PooledTenantSpec;
    let b: PooledTenantSpec;
    let passwordA: string;
    let passwordB: string;

    before(async function () {
      a = pooledTenantSpec('pool-a');
      b = pooledTenantSpec('pool-b');
      passwordA = generatePassword();
      passwordB = generatePassword();
      const first = await pooled.ensure(a, passwordA);
      assert.deepEqual(
        { role: first.created.role, schema: first.created.schema, repaired: first.repaired },
        { role: true, schema: true, repaired: [] },
      );
      await pooled.ensure(b, passwordB);
      for (const [spec, password] of [
        [a, passwordA],
        [b, passwordB],
      ] as const) {
        await connectedAs(spec.roleName, password, poolDatabaseName, async (client) => {
          await client.query('CREATE TABLE orders (id int, secret text)');
          await client.query(`INSERT INTO orders VALUES (1, 'of ${spec.tenant}')`);
          await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ('plan', 'of ${spec.tenant}')`);
        });
      }
    });

    after(async function () {
      await pooled.drop(a, soleActorFence);
      await pooled.drop(b, soleActorFence);
    });

    it("starts the tenant's sessions in its own schema, where its tables are its own", async function () {
      const rows = await connectedAs(a.roleName, passwordA, poolDatabaseName, async (client) => {
        return (await client.query<{ schema: string; secret: string }>('SELECT current_schema() AS schema, secret FROM orders')).rows;
      });
      assert.deepEqual(rows, [{ schema: a.schemaName, secret: `of ${a.tenant}` }]);
    });

    it("refuses tenant A's login tenant B's schema and rows, and B's login A's: permission denied", async function () {
      assert.match(
        (await refusal(a.roleName, passwordA, `SELECT * FROM "${b.schemaName}".orders`)) ?? 'read',
        /permission denied for schema/,
      );
      assert.match(
        (await refusal(b.roleName, passwordB, `SELECT * FROM "${a.schemaName}".orders`)) ?? 'read',
        /permission denied for schema/,
      );
      assert.match(
        (await refusal(a.roleName, passwordA, `CREATE TABLE "${b.schemaName}".planted (id int)`)) ?? 'created',
        /permission denied for schema/,
      );
    });

    it('gives a pooled role nothing on schema public, the shared schema or temporary tables', async function () {
      assert.match(
        (await refusal(a.roleName, passwordA, 'CREATE TABLE public.planted (id int)')) ?? 'created',
        /permission denied for schema public/,
      );
      assert.match(
        (await refusal(a.roleName, passwordA, 'CREATE TABLE bulkhead_shared.planted (id int)')) ?? 'created',
        /permission denied for schema bulkhead_shared/,
      );
      assert.match(
        (await refusal(a.roleName, passwordA, 'CREATE TEMP TABLE scratch (id int)')) ?? 'created',
        /permission denied to create temporary tables/,
      );
    });

    it("shows each tenant only its own rows of a shared table and refuses writing another's", async function () {
      await connectedAs(a.roleName, passwordA, poolDatabaseName, async (client) => {
        const seen = (await client.query<{ tenant: string; value: string }>(`SELECT tenant, value FROM ${sharedTable}`)).rows;
        assert.deepEqual(seen, [{ tenant: a.roleName, value: `of ${a.tenant}` }]);
        await assert.rejects(
          client.query(`INSERT INTO ${sharedTable} (tenant, key, value) VALUES ($1, 'planted', 'by A')`, [b.roleName]),
          /new row violates row-level security policy/,
        );
        assert.equal((await client.query(`UPDATE ${sharedTable} SET value = 'overwritten' WHERE tenant = $1`, [b.roleName])).rowCount, 0);
        assert.equal((await client.query(`DELETE FROM ${sharedTable} WHERE tenant = $1`, [b.roleName])).rowCount, 0);
        await assert.rejects(client.query(`ALTER TABLE ${sharedTable} DISABLE ROW LEVEL SECURITY`), /must be owner of table/);
      });
      const rows = await adminQuery(`SELECT value FROM ${sharedTable} WHERE tenant = $1`, [b.roleName], poolDatabaseName);
      assert.deepEqual(rows, [{ value: `of ${b.tenant}` }]);
    });

    it('forces row-level security on the shared table, which no tenant role owns', async function () {
      const [table] = await adminQuery(
        `SELECT relrowsecurity, relforcerowsecurity, pg_get_userbyid(relowner) AS owner FROM pg_class WHERE oid = $1::regclass`,
        [sharedTable],
        poolDatabaseName,
      );
      assert.deepEqual(table, { relrowsecurity: true, relforcerowsecurity: true, owner: 'bulkhead_pool_owner' });
    });

    it("keeps a dedicated tenant's login out of the pool database", async function () {
      const dedicated = tenantDatabaseSpec('pool-outsider');
      const password = generatePassword();
      await provider.ensure(dedicated, password);
      try {
        assert.match((await loginRefusal(dedicated.roleName, password, poolDatabaseName)) ?? 'connected', /permission denied for database/);
      } finally {
        await provider.drop(dedicated, soleActorFence);
      }
    });

    it('changes nothing when ensured again', async function () {
      assert.deepEqual(await pooled.ensure(a, passwordA), {
        created: { role: false, schema: false, pool: false },
        passwordChanged: false,
        repaired: [],
      });
    });

    it("takes back a GRANT on tenant A's schema given to tenant B, and a policy or FORCE someone loosened", async function () {
      await adminQuery(`GRANT USAGE ON SCHEMA "${a.schemaName}" TO "${b.roleName}"`, [], poolDatabaseName);
      await adminQuery(`GRANT SELECT ON ALL TABLES IN SCHEMA "${a.schemaName}" TO "${b.roleName}"`, [], poolDatabaseName);
      await adminQuery(`ALTER TABLE ${sharedTable} NO FORCE ROW LEVEL SECURITY`, [], poolDatabaseName);
      await adminQuery(`ALTER POLICY tenant_isolation ON ${sharedTable} USING (true)`, [], poolDatabaseName);
      assert.equal(
        await refusal(b.roleName, passwordB, `SELECT * FROM "${a.schemaName}".orders`),
        undefined,
        'the sabotage opened the schema',
      );
      const result = await pooled.ensure(a, passwordA);
      assert.deepEqual(result.repaired.sort(), ['row-level security', 'row-level security policy', 'schema privileges']);
      assert.match(
        (await refusal(b.roleName, passwordB, `SELECT * FROM "${a.schemaName}".orders`)) ?? 'read',
        /permission denied for schema/,
      );
      const seen = await connectedAs(
        b.roleName,
        passwordB,
        poolDatabaseName,
        async (client) => (await client.query<{ tenant: string }>(`SELECT tenant FROM ${sharedTable}`)).rows,
      );
      assert.deepEqual(seen, [{ tenant: b.roleName }]);
    });
  });

  describe('deletion', function () {
    it('retains the schema and rows of a pooled tenant with policy Retain, takes its login, and refuses them to a namesake', async function () {
      const spec = pooledTenantSpec('pool-retain');
      const password = generatePassword();
      await pooled.ensure(spec, password);
      await connectedAs(spec.roleName, password, poolDatabaseName, async (client) => client.query('CREATE TABLE kept (id int)'));
      try {
        assert.deepEqual(await pooled.retain(spec), { role: 'done', schema: 'done' });
        assert.match((await loginRefusal(spec.roleName, password, poolDatabaseName)) ?? 'connected', /not permitted to log in/);
        const [kept] = await adminQuery(`SELECT to_regclass($1) IS NOT NULL AS kept`, [`"${spec.schemaName}".kept`], poolDatabaseName);
        assert.deepEqual(kept, { kept: true });
        const namesake = { ...spec, tenantUid: `${spec.tenantUid}-new` };
        await assert.rejects(pooled.ensure(namesake, generatePassword()), DatabaseOwnedByAnotherTenant);
        assert.deepEqual(await pooled.drop(namesake, soleActorFence), { role: 'foreign', schema: 'foreign' });
        const [still] = await adminQuery(`SELECT to_regclass($1) IS NOT NULL AS kept`, [`"${spec.schemaName}".kept`], poolDatabaseName);
        assert.deepEqual(still, { kept: true });
      } finally {
        await pooled.drop(spec, soleActorFence);
      }
    });

    it('drops the schema, the shared rows and the role of a pooled tenant with policy Delete, and nothing of another', async function () {
      const spec = pooledTenantSpec('pool-delete');
      const neighbour = pooledTenantSpec('pool-neighbour');
      const password = generatePassword();
      await pooled.ensure(spec, password);
      await pooled.ensure(neighbour, generatePassword());
      await connectedAs(spec.roleName, password, poolDatabaseName, async (client) => {
        await client.query(`INSERT INTO ${sharedTable} (key, value) VALUES ('k', 'v')`);
      });
      await adminQuery(`INSERT INTO ${sharedTable} (tenant, key, value) VALUES ($1, 'k', 'v')`, [neighbour.roleName], poolDatabaseName);
      try {
        assert.deepEqual(await pooled.drop(spec, soleActorFence), { role: 'done', schema: 'done' });
        assert.deepEqual(await pooled.drop(spec, soleActorFence), { role: 'absent', schema: 'absent' });
        const [left] = await adminQuery<{ schemas: number; rows: number; neighbours: number }>(
          `SELECT (SELECT count(*)::int FROM pg_namespace WHERE nspname = $1) AS schemas,
                  (SELECT count(*)::int FROM ${sharedTable} WHERE tenant = $2) AS rows,
                  (SELECT count(*)::int FROM ${sharedTable} WHERE tenant = $3) AS neighbours`,
          [spec.schemaName, spec.roleName, neighbour.roleName],
          poolDatabaseName,
        );
        assert.deepEqual(left, { schemas: 0, rows: 0, neighbours: 1 });
        assert.deepEqual(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.roleName]), []);
      } finally {
        await pooled.drop(neighbour, soleActorFence);
      }
    });
  });

  describe('after a kill -9', function () {
    const ensureSteps = [roleCrashPoints.afterCreateRole, schemaCrashPoints.afterCreateSchema, schemaCrashPoints.afterSearchPath];

    for (const crashAt of ensureSteps) {
      it(`converges on one role and one working schema when ensure dies at ${crashAt}`, async function () {
        const spec = pooledTenantSpec(`pool-crash-${crashAt.replace(/\W/g, '-')}`);
        const password = generatePassword();
        try {
          await crashDuring({ provider: 'pooled', operation: 'ensure', server: adminServer(), spec, password }, crashAt);
          await pooled.ensure(spec, password);
          const schema = await connectedAs(spec.roleName, password, poolDatabaseName, async (client) => {
            await client.query('CREATE TABLE t (id int)');
            return (await client.query<{ schema: string }>('SELECT current_schema() AS schema')).rows[0]?.schema;
          });
          assert.equal(schema, spec.schemaName);
          assert.deepEqual((await pooled.ensure(spec, password)).repaired, []);
        } finally {
          await pooled.drop(spec, soleActorFence);
        }
      });
    }

    it(`finishes the pool's setup when it dies at ${poolCrashPoints.afterSetUpPool}`, async function () {
      const spec = pooledTenantSpec('pool-crash-setup');
      const password = generatePassword();
      await adminQuery(`ALTER TABLE ${sharedTable} NO FORCE ROW LEVEL SECURITY`, [], poolDatabaseName);
      try {
        await crashDuring(
          { provider: 'pooled', operation: 'ensure', server: adminServer(), spec, password },
          poolCrashPoints.afterSetUpPool,
        );
        await pooled.ensure(spec, password);
        const [table] = await adminQuery(
          `SELECT relforcerowsecurity FROM pg_class WHERE oid = $1::regclass`,
          [sharedTable],
          poolDatabaseName,
        );
        assert.deepEqual(table, { relforcerowsecurity: true });
        assert.deepEqual((await pooled.ensure(spec, password)).repaired, []);
      } finally {
        await pooled.drop(spec, soleActorFence);
      }
    });

    it(`drops the role too when Delete dies at ${pooledTeardownCrashPoints.afterDropSchema}`, async function () {
      const spec = pooledTenantSpec('pool-crash-drop');
      await pooled.ensure(spec, generatePassword());
      await crashDuring({ provider: 'pooled', operation: 'drop', server: adminServer(), spec }, pooledTeardownCrashPoints.afterDropSchema);
      assert.deepEqual(await pooled.drop(spec, soleActorFence), { role: 'done', schema: 'absent' });
      assert.deepEqual(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.roleName]), []);
    });
  });
});
