/**
 * What the database provider does when a tenant is deleted, by deletion policy, against the real
 * PostgreSQL server: Retain keeps the data and locks the role out, Snapshot leaves a verified dump
 * that restores the same rows, Delete drops everything; each can be repeated safely.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/runtime/logging.js';
import {
  DatabaseSnapshotFailed,
  PostgresDatabaseProvider,
  generatePassword,
  type TenantDatabaseSpec,
} from '../../src/providers/database/index.js';
import { postgresClientBinDir, snapshotPrefix } from '../../src/providers/database/snapshot.js';
import { eventually } from '../support/cluster.js';
import { adminQuery, adminServer, connectedAs, loginRefusal, objectsMarkedWith, tenantDatabaseSpec } from './support/postgres.js';
import { soleActorFence } from './support/fence.js';

/** Creates the tenant's database with a table of three rows; returns the password. */
async function tenantWithData(provider: PostgresDatabaseProvider, spec: TenantDatabaseSpec): Promise<string> {
  const password = generatePassword();
  await provider.ensure(spec, password);
  await connectedAs(spec.roleName, password, spec.databaseName, async (client) => {
    await client.query('CREATE TABLE invoices (id int PRIMARY KEY, amount numeric)');
    await client.query('INSERT INTO invoices VALUES (1, 10.5), (2, 20), (3, 99.99)');
  });
  return password;
}

async function databaseExists(name: string): Promise<boolean> {
  return (await adminQuery('SELECT 1 FROM pg_database WHERE datname = $1', [name])).length === 1;
}

async function roleExists(name: string): Promise<boolean> {
  return (await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [name])).length === 1;
}

describe('the PostgreSQL database provider on tenant deletion', function () {
  let provider: PostgresDatabaseProvider;
  let snapshotDir: string;

  before(function () {
    snapshotDir = mkdtempSync(join(tmpdir(), 'bulkhead-snapshots-'));
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }), snapshotDir });
  });

  after(async function () {
    await provider.close();
    rmSync(snapshotDir, { recursive: true, force: true });
  });

  describe('with deletion policy Retain', function () {
    it('keeps the database and its rows, and the role can no longer log in', async function () {
      const spec = tenantDatabaseSpec('retain');
      const password = await tenantWithData(provider, spec);
      try {
        assert.deepEqual(await provider.retain(spec), { role: 'done', database: 'done' });
        assert.match((await loginRefusal(spec.roleName, password, spec.databaseName)) ?? 'connected', /is not permitted to log in/);
        const rows = await adminQuery('SELECT count(*)::int AS n FROM invoices', [], spec.databaseName);
        assert.deepEqual(rows, [{ n: 3 }]);
        assert.deepEqual(await provider.retain(spec), { role: 'done', database: 'done' });
      } finally {
        await provider.drop(spec, soleActorFence);
      }
    });

    it('ends the sessions the role already had open', async function () {
      const spec = tenantDatabaseSpec('retain-open');
      const password = await tenantWithData(provider, spec);
      try {
        await connectedAs(spec.roleName, password, spec.databaseName, async (client) => {
          await provider.retain(spec);
          // The server's notice of termination may reach the client before the query (then it says
          // it is "not queryable") or after (then the query fails as terminated): both mean ended.
          await assert.rejects(client.query('SELECT count(*) FROM invoices'), /terminat|Connection terminated|not queryable/);
        });
        await eventually(
          'the role to have no session left',
          async () =>
            (await adminQuery<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [spec.roleName]))[0]
              ?.n === 0,
        );
      } finally {
        await provider.drop(spec, soleActorFence);
      }
    });
  });

  describe('with deletion policy Snapshot', function () {
    let spec: TenantDatabaseSpec;
    let file: string | undefined;

    before(async function () {
      spec = tenantDatabaseSpec('snapshot');
      await tenantWithData(provider, spec);
      ({ file } = await provider.snapshotAndDrop(spec, soleActorFence));
    });

    it('drops the database and the role', async function () {
      assert.equal(await databaseExists(spec.databaseName), false);
      assert.equal(await roleExists(spec.roleName), false);
      assert.deepEqual(await objectsMarkedWith(spec.tenantUid), { roles: 0, databases: 0 });
    });

    it('leaves a dump only its owner can read', function () {
      assert.ok(file?.startsWith(snapshotDir), String(file));
      assert.equal(statSync(file ?? '').mode & 0o777, 0o600);
    });

    it('leaves a dump that restores into a fresh database with the same rows', async function () {
      const restored = `${spec.databaseName}_restored`;
      await adminQuery(`CREATE DATABASE "${restored}"`);
      try {
        const { host, port, adminUser, adminPassword } = adminServer();
        execFileSync(join(postgresClientBinDir() ?? '', 'pg_restore'), ['--no-owner', '--no-acl', '--dbname', restored, file ?? ''], {
          env: { ...process.env, PGHOST: host, PGPORT: String(port), PGUSER: adminUser, PGPASSWORD: adminPassword },
        });
        const rows = await adminQuery('SELECT id, amount::text FROM invoices ORDER BY id', [], restored);
        assert.deepEqual(rows, [
          { id: 1, amount: '10.5' },
          { id: 2, amount: '20' },
          { id: 3, amount: '99.99' },
        ]);
      } finally {
        await adminQuery(`DROP DATABASE "${restored}"`);
      }
    });

    it('reports the same snapshot when called again after the drop', async function () {
      assert.deepEqual(await provider.snapshotAndDrop(spec, soleActorFence), { file });
    });

    it('refuses to drop anything without a snapshot directory', async function () {
      const other = tenantDatabaseSpec('snapshot-nodir');
      const withoutDir = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }) });
      try {
        await tenantWithData(provider, other);
        await assert.rejects(withoutDir.snapshotAndDrop(other, soleActorFence), DatabaseSnapshotFailed);
        assert.equal(await databaseExists(other.databaseName), true);
      } finally {
        await withoutDir.close();
        await provider.drop(other, soleActorFence);
      }
    });

    it('removes a half-written dump that a crash in the middle of pg_dump left behind', async function () {
      const other = tenantDatabaseSpec('snapshot-partial');
      await tenantWithData(provider, other);
      const partial = join(snapshotDir, `${snapshotPrefix(other)}20200101T000000000Z.dump.partial`);
      writeFileSync(partial, 'half a dump', { mode: 0o600 });
      const { file: complete } = await provider.snapshotAndDrop(other, soleActorFence);
      assert.equal(existsSync(partial), false);
      assert.ok(complete !== undefined && existsSync(complete));
    });

    it('snapshots a database with a hostile name', async function () {
      const name = `tenant_"; x' =dbname=postgres ${tenantDatabaseSpec('x').tenant}`;
      const other = { ...tenantDatabaseSpec('snapshot-hostile'), databaseName: name, roleName: name };
      await tenantWithData(provider, other);
      const result = await provider.snapshotAndDrop(other, soleActorFence);
      assert.ok(result.file?.startsWith(snapshotDir));
      assert.equal(await databaseExists(name), false);
      const listing = execFileSync(join(postgresClientBinDir() ?? '', 'pg_restore'), ['--list', result.file ?? ''], { encoding: 'utf8' });
      assert.match(listing, /TABLE DATA public invoices/);
    });
  });

  describe('with deletion policy Delete', function () {
    it('drops the database and the role, and may be repeated', async function () {
      const spec = tenantDatabaseSpec('delete');
      const password = await tenantWithData(provider, spec);
      await provider.drop(spec, soleActorFence);
      assert.equal(await databaseExists(spec.databaseName), false);
      assert.equal(await roleExists(spec.roleName), false);
      assert.match((await loginRefusal(spec.roleName, password, spec.databaseName)) ?? 'connected', /password authentication failed/);
      await provider.drop(spec, soleActorFence);
    });

    it('drops a database even while the tenant is connected to it', async function () {
      const spec = tenantDatabaseSpec('delete-open');
      const password = await tenantWithData(provider, spec);
      await connectedAs(spec.roleName, password, spec.databaseName, async () => {
        await provider.drop(spec, soleActorFence);
      });
      assert.equal(await databaseExists(spec.databaseName), false);
      assert.equal(await roleExists(spec.roleName), false);
    });
  });
});
