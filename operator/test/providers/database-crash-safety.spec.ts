/**
 * Crash safety of the database provider against the real PostgreSQL server: the operator is
 * killed (SIGKILL) right after each externally visible step, and the next call converges on
 * exactly one role and one database for the tenant, with the password working.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger } from '../../src/runtime/logging.js';
import {
  PostgresDatabaseProvider,
  databaseCrashPoints,
  generatePassword,
  roleCrashPoints,
  teardownCrashPoints,
} from '../../src/providers/database/index.js';
import { crashDuring } from './support/crash.js';
import { adminQuery, adminServer, loginRefusal, objectsMarkedWith, tenantDatabaseSpec } from './support/postgres.js';
import { soleActorFence } from './support/fence.js';

describe('the PostgreSQL database provider after a crash', function () {
  let provider: PostgresDatabaseProvider;
  let snapshotDir: string;

  before(function () {
    snapshotDir = mkdtempSync(join(tmpdir(), 'bulkhead-crash-snapshots-'));
    provider = new PostgresDatabaseProvider(adminServer(), { logger: createLogger({ silent: true }), snapshotDir });
  });

  after(async function () {
    await provider.close();
    rmSync(snapshotDir, { recursive: true, force: true });
  });

  const creationSteps = [
    roleCrashPoints.afterCreateRole,
    databaseCrashPoints.afterCreateDatabase,
    databaseCrashPoints.afterRevokePublic,
    databaseCrashPoints.afterCommentDatabase,
  ];

  for (const crashAt of creationSteps) {
    it(`converges on one role and one database when creation dies at ${crashAt}`, async function () {
      const spec = tenantDatabaseSpec(`crash-${crashAt.replace(/\W/g, '-')}`);
      const password = generatePassword();
      try {
        await crashDuring({ provider: 'database', operation: 'ensure', server: adminServer(), spec, password }, crashAt);
        await provider.ensure(spec, password);
        assert.deepEqual(await objectsMarkedWith(spec.tenantUid), { roles: 1, databases: 1 });
        assert.equal(await loginRefusal(spec.roleName, password, spec.databaseName), undefined);
        const [acl] = await adminQuery(`SELECT has_database_privilege('public', $1, 'CONNECT') AS public_connect`, [spec.databaseName]);
        assert.deepEqual(acl, { public_connect: false });
        assert.deepEqual(await provider.ensure(spec, password), {
          created: { role: false, database: false },
          passwordChanged: false,
          repaired: [],
        });
      } finally {
        await provider.drop(spec, soleActorFence);
      }
    });
  }

  it(`converges on the new password when rotation dies at ${roleCrashPoints.afterAlterPassword}`, async function () {
    const spec = tenantDatabaseSpec('crash-rotate');
    const newPassword = generatePassword();
    try {
      await provider.ensure(spec, generatePassword());
      await crashDuring(
        { provider: 'database', operation: 'ensure', server: adminServer(), spec, password: newPassword },
        roleCrashPoints.afterAlterPassword,
      );
      assert.equal((await provider.ensure(spec, newPassword)).passwordChanged, false);
      assert.equal(await loginRefusal(spec.roleName, newPassword, spec.databaseName), undefined);
    } finally {
      await provider.drop(spec, soleActorFence);
    }
  });

  it(`finishes Retain when it dies at ${teardownCrashPoints.afterDisableLogin}`, async function () {
    const spec = tenantDatabaseSpec('crash-retain');
    const password = generatePassword();
    try {
      await provider.ensure(spec, password);
      await crashDuring({ provider: 'database', operation: 'retain', server: adminServer(), spec }, teardownCrashPoints.afterDisableLogin);
      assert.deepEqual(await provider.retain(spec), { role: 'done', database: 'done' });
      assert.match((await loginRefusal(spec.roleName, password, spec.databaseName)) ?? 'connected', /not permitted to log in/);
      assert.deepEqual(await objectsMarkedWith(spec.tenantUid), { roles: 1, databases: 1 });
    } finally {
      await provider.drop(spec, soleActorFence);
    }
  });

  for (const crashAt of [teardownCrashPoints.afterSnapshot, teardownCrashPoints.afterDropDatabase]) {
    it(`finishes Snapshot, with a dump and nothing left behind, when it dies at ${crashAt}`, async function () {
      const spec = tenantDatabaseSpec(`crash-${crashAt.replace(/\W/g, '-')}`);
      await provider.ensure(spec, generatePassword());
      await crashDuring({ provider: 'database', operation: 'snapshotAndDrop', server: adminServer(), spec, snapshotDir }, crashAt);
      const { file } = await provider.snapshotAndDrop(spec, soleActorFence);
      assert.ok(file !== undefined && file.endsWith('.dump'));
      assert.deepEqual(await objectsMarkedWith(spec.tenantUid), { roles: 0, databases: 0 });
      assert.deepEqual(
        readdirSync(snapshotDir).filter((entry) => entry.endsWith('.partial')),
        [],
      );
    });
  }

  it(`finishes Delete when it dies at ${teardownCrashPoints.afterDropDatabase}`, async function () {
    const spec = tenantDatabaseSpec('crash-delete');
    await provider.ensure(spec, generatePassword());
    await crashDuring({ provider: 'database', operation: 'drop', server: adminServer(), spec }, teardownCrashPoints.afterDropDatabase);
    assert.deepEqual(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.roleName]), [{ '?column?': 1 }]);
    await provider.drop(spec, soleActorFence);
    assert.deepEqual(await adminQuery('SELECT 1 FROM pg_roles WHERE rolname = $1', [spec.roleName]), []);
  });
});
